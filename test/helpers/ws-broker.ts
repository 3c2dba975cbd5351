/**
 * A bare broker for WebSocket tests: a real engine (system clock, so leases really expire) on a
 * temp dir, a plain http.Server on port 0 and attachWebSocket; plus a raw protocol client that
 * speaks frames directly. Everything is closed after each test.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { WebSocket, type ClientOptions } from 'ws';
import { openEngine, type Engine } from '../../core/index.js';
import { attachWebSocket, type WebSocketEndpoint, type WebSocketOptions } from '../../core/server/ws/index.js';
import { tempDir } from './engine.js';

export interface WsBroker {
  engine: Engine;
  server: Server;
  ws: WebSocketEndpoint;
  port: number;
  url: string;
  wsUrl: string;
  dataPath: string;
  /** Closes endpoint, server and engine (in that order); idempotent. */
  stop(): Promise<void>;
}

const DEFAULT_WS: WebSocketOptions = { maxPayloadBytes: 2 * 1024 * 1024, keepLeasesOnClose: false, pingIntervalMs: 15_000, highWaterMarkBytes: 1024 * 1024 };

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export async function startWsBroker(options: { ws?: Partial<WebSocketOptions>; dataPath?: string; port?: number } = {}): Promise<WsBroker> {
  const dataPath = options.dataPath ?? join(tempDir(), 'spool.db');
  const engine = openEngine({ path: dataPath, sweepIntervalMs: 100 });
  const server = createServer((_req, res) => res.writeHead(404).end());
  const ws = attachWebSocket(server, engine, { ...DEFAULT_WS, ...options.ws });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      await ws.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.close();
    })());
  cleanups.push(stop);
  return { engine, server, ws, port, url: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}/v1/ws`, dataPath, stop };
}

export interface DeliverFrame {
  op: 'deliver';
  subscription: string;
  queue: string;
  messages: { msgId: string; receiptHandle: string; body: string; dequeueCount: number; [k: string]: unknown }[];
}

export interface ReplyFrame {
  id: number | string | null;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

/** Speaks the protocol frame by frame, as a misbehaving or minimal peer would. */
export class RawClient {
  readonly frames: unknown[] = [];
  readonly delivered: DeliverFrame['messages'] = [];
  readonly deliverFrames: DeliverFrame[] = [];
  readonly replies: ReplyFrame[] = [];
  closeCode: number | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number | string, (reply: ReplyFrame) => void>();
  private readonly watchers = new Set<() => void>();
  readonly closed: Promise<number>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const frame = JSON.parse(String(data)) as DeliverFrame | ReplyFrame;
      this.frames.push(frame);
      if ('op' in frame && frame.op === 'deliver') {
        this.deliverFrames.push(frame);
        this.delivered.push(...frame.messages);
      } else {
        const reply = frame as ReplyFrame;
        this.replies.push(reply);
        const resolve = reply.id === null ? undefined : this.waiting.get(reply.id);
        if (resolve && reply.id !== null) {
          this.waiting.delete(reply.id);
          resolve(reply);
        }
      }
      for (const watcher of [...this.watchers]) watcher();
    });
    this.closed = new Promise((resolve) =>
      ws.once('close', (code) => {
        this.closeCode = code;
        resolve(code);
      }),
    );
    ws.on('error', () => {});
  }

  static async connect(url: string, options: ClientOptions = {}): Promise<RawClient> {
    const ws = new WebSocket(url, options);
    const client = new RawClient(ws);
    cleanups.push(async () => {
      if (ws.readyState !== WebSocket.CLOSED) {
        ws.terminate();
        await client.closed;
      }
    });
    await once(ws, 'open');
    return client;
  }

  /** Sends a request and resolves with its reply. */
  request(op: string, fields: Record<string, unknown> = {}, id: number | string = this.nextId++): Promise<ReplyFrame> {
    const reply = new Promise<ReplyFrame>((resolve) => this.waiting.set(id, resolve));
    this.ws.send(JSON.stringify({ id, op, ...fields }));
    return reply;
  }

  /** Sends a request and returns its result, failing on an error reply. */
  async call(op: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const reply = await this.request(op, fields);
    if (!reply.ok) throw new Error(`${op} failed: ${reply.error?.code} ${reply.error?.message}`);
    return reply.result!;
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Resolves when `predicate` holds (checked on every frame), or rejects after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const watcher = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        this.watchers.delete(watcher);
        resolve();
      };
      const timer = setTimeout(() => {
        this.watchers.delete(watcher);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for a condition (${this.delivered.length} delivered)`));
      }, timeoutMs);
      this.watchers.add(watcher);
    });
  }

  async close(): Promise<void> {
    this.ws.close();
    await this.closed;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `predicate` every 10 ms until it holds, or fails after `timeoutMs`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}
