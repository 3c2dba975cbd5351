/** Options of a remote client: named defaults, merged, validated, nothing optional after. */
import type { BackoffOptions } from './backoff.js';

export interface SpoolClientOptions {
  /** The broker, e.g. `http://127.0.0.1:7878`; the WebSocket is `/v1/ws` on the same host. */
  url: string;
  /** How long a request may wait for its reply (a receive adds its waitSeconds); default 30 000 ms. */
  requestTimeoutMs?: number;
  /** Reconnect delays of the WebSocket; default 100 ms doubling to 10 s, jittered. */
  reconnect?: Partial<BackoffOptions>;
  /** The client pings the broker this often and reconnects when a pong does not come in time; default 15 000 ms. */
  pingIntervalMs?: number;
  /** Largest frame the client sends; a larger request fails locally with MESSAGE_TOO_LARGE. Default 2 MiB (the broker's default). */
  maxFrameBytes?: number;
  /** Extra HTTP headers on every request and on the WebSocket handshake. */
  headers?: Record<string, string>;
  /** The API key to present, when the broker has keys (docs/auth.md): sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
}

export interface ResolvedClientOptions {
  baseUrl: string;
  wsUrl: string;
  requestTimeoutMs: number;
  reconnect: BackoffOptions;
  pingIntervalMs: number;
  maxFrameBytes: number;
  headers: Record<string, string>;
}

export const CLIENT_DEFAULTS = {
  requestTimeoutMs: 30_000,
  reconnect: { initialDelayMs: 100, maxDelayMs: 10_000 },
  pingIntervalMs: 15_000,
  maxFrameBytes: 2 * 1024 * 1024,
} as const;

export function resolveClientOptions(options: SpoolClientOptions): ResolvedClientOptions {
  if (typeof options?.url !== 'string') throw new TypeError('url must be a string such as "http://127.0.0.1:7878"');
  let base: URL;
  try {
    base = new URL(options.url);
  } catch {
    throw new TypeError(`url ${JSON.stringify(options.url)} is not a valid URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`url must start with http:// or https://, got ${options.url}`);
  const baseUrl = base.href.replace(/\/+$/, '');
  const ws = new URL(`${base.pathname.replace(/\/+$/, '')}/v1/ws`, base);
  ws.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
  const resolved: ResolvedClientOptions = {
    baseUrl,
    wsUrl: ws.href,
    requestTimeoutMs: options.requestTimeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs,
    reconnect: { ...CLIENT_DEFAULTS.reconnect, ...options.reconnect },
    pingIntervalMs: options.pingIntervalMs ?? CLIENT_DEFAULTS.pingIntervalMs,
    maxFrameBytes: options.maxFrameBytes ?? CLIENT_DEFAULTS.maxFrameBytes,
    headers: { ...options.headers },
  };
  if (options.apiKey !== undefined) {
    if (typeof options.apiKey !== 'string' || !/^[\x21-\x7e]+$/.test(options.apiKey)) throw new TypeError('apiKey must be a non-empty string of printable ASCII without spaces');
    resolved.headers.authorization = `Bearer ${options.apiKey}`;
  }
  positive('requestTimeoutMs', resolved.requestTimeoutMs);
  positive('reconnect.initialDelayMs', resolved.reconnect.initialDelayMs);
  positive('reconnect.maxDelayMs', resolved.reconnect.maxDelayMs);
  positive('pingIntervalMs', resolved.pingIntervalMs);
  positive('maxFrameBytes', resolved.maxFrameBytes);
  return resolved;
}

function positive(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number, got ${String(value)}`);
}
