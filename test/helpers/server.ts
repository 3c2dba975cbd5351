/**
 * A real broker for HTTP tests: startServer on 127.0.0.1, port 0, a fresh temp data dir, no logs. `api()` sends JSON and returns status and parsed body.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { Engine } from '../../core/index.js';
import { startServer, type SpoolServer, type StartServerOptions } from '../../core/server/server.js';
import { tempDir } from './engine.js';

export interface TestServer {
  url: string;
  port: number;
  engine: Engine;
  server: SpoolServer;
  /** Closes the server; idempotent (also done after each test). */
  close(): Promise<void>;
}

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Starts a broker that is closed after the current test. From a `beforeAll`, pass
 * `{ closeAfterEach: false }` and close it yourself (return its close from the hook).
 */
export async function startTestServer(options: StartServerOptions = {}, { closeAfterEach = true } = {}): Promise<TestServer> {
  // A server that outlives the test needs a data dir that does too (tempDir's goes after each test).
  const dataDir = closeAfterEach ? tempDir('spool-server-') : mkdtempSync(join(tmpdir(), 'spool-server-'));
  const server = await startServer({ host: '127.0.0.1', port: 0, dataDir, logger: false, ...options });
  const close = closeAfterEach
    ? () => server.close()
    : async () => {
        await server.close();
        if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
      };
  if (closeAfterEach) cleanups.push(close);
  return { url: server.url, port: server.port, engine: server.engine, server, close };
}

/** Replies are parsed JSON of any shape; tests assert on them field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

export interface ApiReply<T = Json> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * Sends a request; a `body` that is not a string is sent as JSON. A string is sent as is, with
 * Content-Type application/json unless `headers` says otherwise.
 */
export async function api<T = Json>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiReply<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body);
    init.headers = { 'content-type': 'application/json', ...headers };
  }
  const res = await fetch(url + path, init);
  const text = await res.text();
  let parsed: unknown = text;
  if (text !== '' && (res.headers.get('content-type') ?? '').includes('json')) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T };
}
