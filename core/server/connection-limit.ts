/**
 * The server's connection limit (`limits.maxConnections`): open TCP connections, HTTP and
 * WebSocket together. A connection beyond it is still accepted so that it can be told why: its
 * request, or its WebSocket upgrade, gets 503 TOO_MANY_CONNECTIONS and the connection closes.
 * Only past a headroom above the limit does the server stop accepting (`server.maxConnections`
 * drops the socket unanswered), so that a flood cannot run the process out of file descriptors.
 */
import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';

const overLimit = new WeakSet<Duplex>();

export const TOO_MANY_CONNECTIONS_MESSAGE = 'the server is at its connection limit (limits.maxConnections); retry later';

export function limitConnections(server: Server, max: number): void {
  let open = 0;
  // Room above the limit for answering 503 before connections are dropped unanswered.
  server.maxConnections = max + Math.max(16, Math.ceil(max / 100));
  server.on('connection', (socket: Duplex) => {
    open += 1;
    if (open > max) overLimit.add(socket);
    socket.once('close', () => {
      open -= 1;
    });
  });
}

/** True for a connection accepted beyond its server's limit: answer it 503 and close it. */
export function acceptedOverLimit(socket: Duplex): boolean {
  return overLimit.has(socket);
}
