/** Options of the WebSocket endpoint, resolved once: named defaults, then validation naming the option. */
import type { KeyRing } from '../auth/api-keys.js';

export interface WebSocketOptions {
  /** Largest frame a client may send, bytes; a larger one closes the socket with 1009. */
  maxPayloadBytes: number;
  /** Keep the leases of a socket that closes until they expire, instead of releasing them at once. */
  keepLeasesOnClose: boolean;
  /** How often the server pings each socket; a socket that has not answered the previous ping is terminated. */
  pingIntervalMs: number;
  /** Stop pushing to a socket whose `bufferedAmount` is above this many bytes; resume when it drains. */
  highWaterMarkBytes: number;
  /** Most sockets at once; further upgrades get 503. Default: no limit. */
  maxConnections?: number;
  /** Requests a socket may have awaiting replies before the server stops reading from it; default 1000. */
  maxOutstandingRequests?: number;
  /** Subscriptions one socket may hold; default 1000. */
  maxSubscriptionsPerConnection?: number;
  /** The API keys an upgrade must present; default none (no-auth mode). */
  keys?: KeyRing | null;
}

export type ResolvedWebSocketOptions = Required<WebSocketOptions>;

export const WS_DEFAULTS = {
  maxPayloadBytes: 2 * 1024 * 1024,
  keepLeasesOnClose: false,
  pingIntervalMs: 15_000,
  highWaterMarkBytes: 1024 * 1024,
  maxConnections: Number.POSITIVE_INFINITY,
  maxOutstandingRequests: 1000,
  maxSubscriptionsPerConnection: 1000,
  keys: null,
} as const satisfies ResolvedWebSocketOptions;

export function resolveWebSocketOptions(options: WebSocketOptions): ResolvedWebSocketOptions {
  const resolved: ResolvedWebSocketOptions = {
    maxPayloadBytes: options.maxPayloadBytes,
    keepLeasesOnClose: options.keepLeasesOnClose,
    pingIntervalMs: options.pingIntervalMs,
    highWaterMarkBytes: options.highWaterMarkBytes,
    maxConnections: options.maxConnections ?? WS_DEFAULTS.maxConnections,
    maxOutstandingRequests: options.maxOutstandingRequests ?? WS_DEFAULTS.maxOutstandingRequests,
    maxSubscriptionsPerConnection: options.maxSubscriptionsPerConnection ?? WS_DEFAULTS.maxSubscriptionsPerConnection,
    keys: options.keys ?? null,
  };
  positive('maxPayloadBytes', resolved.maxPayloadBytes);
  positive('pingIntervalMs', resolved.pingIntervalMs);
  positive('highWaterMarkBytes', resolved.highWaterMarkBytes);
  positive('maxConnections', resolved.maxConnections);
  positive('maxOutstandingRequests', resolved.maxOutstandingRequests);
  positive('maxSubscriptionsPerConnection', resolved.maxSubscriptionsPerConnection);
  if (typeof resolved.keepLeasesOnClose !== 'boolean') throw new TypeError('keepLeasesOnClose must be a boolean');
  return resolved;
}

function positive(name: string, value: number): void {
  if (typeof value !== 'number' || Number.isNaN(value) || value <= 0 || (Number.isFinite(value) && !Number.isInteger(value))) {
    throw new TypeError(`${name} must be a positive integer, got ${String(value)}`);
  }
}
