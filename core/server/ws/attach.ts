/**
 * The WebSocket endpoint `/v1/ws` on an HTTP server (docs/protocol.md). It handles the server's
 * 'upgrade' events for that path only, caps connections, pings peers, and on close stops pushing,
 * gives leases back and closes every socket with 1001 itself (ws's `server.close()` does not).
 */
import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Engine } from '../../engine/engine.js';
import type { ApiKey } from '../auth/api-keys.js';
import { authenticate } from '../auth/http-auth.js';
import { TOO_MANY_CONNECTIONS_MESSAGE, acceptedOverLimit } from '../connection-limit.js';
import { Connection } from './connection.js';
import { Liveness } from './liveness.js';
import { resolveWebSocketOptions, type WebSocketOptions } from './options.js';

export const WS_PATH = '/v1/ws';

export interface WebSocketStats {
  connections: number;
  subscriptions: number;
  /** Messages pushed to sockets and not yet finished. */
  leases: number;
  /** Messages leased for subscriptions and waiting to be pushed (congestion or a lowered prefetch). */
  waiting: number;
  /** Sockets above the high-water mark, being sent nothing until they drain. */
  congested: number;
}

export interface WebSocketEndpoint {
  /** Stops accepting sockets and pushing, gives leases back, closes sockets with 1001. Idempotent. */
  close(): Promise<void>;
  connectionCount(): number;
  stats(): WebSocketStats;
}

export function attachWebSocket(server: Server, engine: Engine, options: WebSocketOptions): WebSocketEndpoint {
  const resolved = resolveWebSocketOptions(options);
  const wss = new WebSocketServer({ noServer: true, maxPayload: resolved.maxPayloadBytes, perMessageDeflate: false, clientTracking: false });
  const connections = new Set<Connection>();
  const liveness = new Liveness(resolved.pingIntervalMs, () => connections);
  let closing: Promise<void> | null = null;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    if (pathOf(req.url) !== WS_PATH) {
      // Another upgrade handler may serve other paths; alone, we answer for the server.
      if (server.listenerCount('upgrade') === 1) refuse(socket, 404, 'ROUTE_NOT_FOUND', `no WebSocket endpoint at ${pathOf(req.url)}; use ${WS_PATH}`);
      return;
    }
    if (closing) return refuse(socket, 503, 'CLOSED', 'the server is shutting down');
    if (acceptedOverLimit(socket)) return refuse(socket, 503, 'TOO_MANY_CONNECTIONS', TOO_MANY_CONNECTIONS_MESSAGE);
    if (connections.size >= resolved.maxConnections) {
      return refuse(socket, 503, 'TOO_MANY_CONNECTIONS', `the server allows ${resolved.maxConnections} WebSocket connections`);
    }
    let key: ApiKey | null = null;
    if (resolved.keys) {
      try {
        key = authenticate(resolved.keys, req.headers);
      } catch (err) {
        return refuse(socket, 401, 'UNAUTHORIZED', (err as Error).message);
      }
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      if (closing) {
        ws.close(1001, 'server shutting down');
        return;
      }
      const connection = new Connection(ws, socket, engine, resolved, key, (c) => connections.delete(c));
      connections.add(connection);
    });
  };

  // A cancelled message is announced to whichever socket holds its lease.
  const onCancel = ({ queue, msgId }: { queue: string; msgId: string }): void => {
    for (const connection of connections) connection.cancelled(queue, msgId);
  };
  engine.events.on('cancel', onCancel);
  server.on('upgrade', onUpgrade);
  liveness.start();

  return {
    close: () => {
      closing ??= (async () => {
        liveness.close();
        engine.events.off('cancel', onCancel);
        await Promise.allSettled([...connections].map((c) => c.shutdown()));
        server.off('upgrade', onUpgrade);
        await new Promise<void>((resolve) => wss.close(() => resolve()));
      })();
      return closing;
    },
    connectionCount: () => connections.size,
    stats: () => {
      const stats: WebSocketStats = { connections: connections.size, subscriptions: 0, leases: 0, waiting: 0, congested: 0 };
      for (const c of connections) {
        stats.subscriptions += c.subscriptionCount;
        stats.leases += c.leases.size;
        stats.waiting += c.waitingCount;
        if (c.isCongested) stats.congested++;
      }
      return stats;
    },
  };
}

function pathOf(url: string | undefined): string {
  const path = (url ?? '/').split('?', 1)[0]!;
  return path === '' ? '/' : path;
}

/** Answers an upgrade with a plain HTTP error in the native API's shape, then closes the socket. */
function refuse(socket: Duplex, status: number, code: string, message: string): void {
  socket.on('error', () => {});
  const body = JSON.stringify({ error: { code, message } });
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}
