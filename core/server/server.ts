/**
 * The broker: the native HTTP API and the WebSocket endpoint on one port, over an engine on the
 * embedded SQLite store, or on PostgreSQL (`store`: a postgres:// URL) shared with other brokers. `startServer()` resolves once it listens; it prints nothing (the CLI
 * says where it listens). `close()` is graceful and idempotent:
 *   1. refuse new requests (503 CLOSED) and end pending long polls (they answer an empty list);
 *   2. close the WebSocket endpoint (stop pushing, release leases, close sockets with 1001);
 *   3. stop listening and wait for in-flight requests (up to limits.shutdownTimeoutMs, then cut);
 *   4. stop pushing to http subscriptions (pushes under way are cut, their messages kept);
 *   5. close the engine and its store, if the server opened them.
 * Each step runs even if an earlier one failed; the first failure is thrown at the end.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { Engine } from '../engine/engine.js';
import { PostgresStore } from '../store/postgres/postgres-store.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';
import type { Store } from '../store/store.js';
import { SpoolError } from '../errors.js';
import { buildApp } from './app.js';
import { KeyRing, type ApiKeySpec } from './auth/api-keys.js';
import { BackgroundLog } from './background-log.js';
import { Lifecycle } from './lifecycle.js';
import { Metrics } from './metrics.js';
import { isLoopback, resolveServerOptions, type ServerOptions, type ServerOptionsInput } from './options.js';
import { Pusher, resolvePushOptions, type PushOptions } from './push.js';
import { attachWebSocket } from './ws/attach.js';

/**
 * Options as given over the defaults, or a resolved ServerOptions (what the CLI builds with
 * resolveServerOptions from flags, environment and config file; its databasePath follows dataDir).
 */
export interface StartServerOptions extends ServerOptionsInput {
  /** Ignored: always `<dataDir>/spool.db`; allowed so that a resolved ServerOptions can be passed as is. */
  databasePath?: string;
  /** Serve this engine instead of opening one on `dataDir`; the caller keeps it (close() leaves it open). */
  engine?: Engine;
  /** A pino logger to log with, or false for no logs at all; default: a pino logger at `logLevel` on stdout. */
  logger?: FastifyBaseLogger | false;
  /** API keys given in code, instead of `apiKeysFile`. */
  apiKeys?: ApiKeySpec[];
  /** How http subscriptions are pushed: timeout and retry intervals (push.ts has the defaults, CMQ's). */
  push?: Partial<PushOptions>;
}

export interface SpoolServer {
  /** `http://host:port`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly engine: Engine;
  readonly options: ServerOptions;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Starts a broker. Options are taken as given over the defaults (see resolveServerOptions for
 * config files and the environment). Throws SpoolError INVALID_PARAMETER for bad options,
 * STORE_LOCKED when another process holds the database, STORE_FAILED when PostgreSQL cannot be
 * reached, STORE_SCHEMA_MISMATCH when its schema is newer, and listen errors (EADDRINUSE) as is.
 */
export async function startServer(input: StartServerOptions = {}): Promise<SpoolServer> {
  const { engine: givenEngine, logger, databasePath: _derived, apiKeys, push, ...flags } = input;
  const options = resolveServerOptions({ flags });
  const pushOptions = resolvePushOptions(push);
  const keys = openKeyRing(options, apiKeys);
  const metrics = new Metrics();
  const lifecycle = new Lifecycle();
  let log: (err: unknown) => void = () => {};
  const store = givenEngine ? null : openStore(options, metrics, (err) => log(err));
  const engine = givenEngine ?? new Engine({ store: store!, onError: (err) => log(err) });
  const ownsEngine = givenEngine === undefined;
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  if (ownsEngine) cleanups.push(() => engine.close());

  try {
    // Fail at start, not at the first request, when PostgreSQL is unreachable or its schema too new.
    if (store instanceof PostgresStore) await store.ready();
    const app = buildApp({ engine, limits: options.limits, lifecycle, metrics, logger: logger ?? options.logLevel, keys });
    const background = new BackgroundLog(app.log);
    log = (err) => background.failed(err);
    const onRecovered = () => background.recovered();
    engine.events.on('recovered', onRecovered);
    cleanups.push(() => engine.events.off('recovered', onRecovered));
    cleanups.push(metrics.follow(engine));
    const pusher = new Pusher(engine, pushOptions, (err) => background.failed(err), (details) => app.log.warn(details, 'push given up (notifyStrategy): message dropped'));
    pusher.start();
    cleanups.push(() => pusher.close());
    const ws = attachWebSocket(app.server, engine, {
      maxPayloadBytes: options.limits.wsMaxPayloadBytes,
      keepLeasesOnClose: options.keepLeasesOnClose,
      pingIntervalMs: options.limits.wsPingIntervalMs,
      highWaterMarkBytes: options.limits.wsHighWaterMarkBytes,
      keys,
    });
    metrics.countConnectionsWith(() => ws.connectionCount());
    cleanups.push(() => closeHttp(app.server, app.close(), options.limits.shutdownTimeoutMs));
    cleanups.push(() => ws.close());
    cleanups.push(() => lifecycle.beginClosing());

    await app.listen({ host: options.host, port: options.port });
    const { port } = app.server.address() as AddressInfo;
    let closing: Promise<void> | null = null;
    const close = () => (closing ??= runAll(cleanups.reverse()));
    return {
      url: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`,
      host: options.host,
      port,
      engine,
      options: { ...options, port },
      close,
      [Symbol.asyncDispose]: close,
    };
  } catch (err) {
    await runAll(cleanups.reverse()).catch(() => {});
    throw err;
  }
}

/** The keys clients must present; none is allowed only where nobody else can connect. */
function openKeyRing(options: ServerOptions, given: ApiKeySpec[] | undefined): KeyRing | null {
  if (given !== undefined) return KeyRing.of(given, 'apiKeys');
  if (options.apiKeysFile !== null) return KeyRing.load(options.apiKeysFile);
  if (!isLoopback(options.host)) {
    throw new SpoolError('INVALID_PARAMETER', `host ${options.host} is not a loopback address: give the broker API keys (apiKeysFile, --api-keys; docs/auth.md) or listen on 127.0.0.1`);
  }
  return null;
}

function openStore(options: ServerOptions, metrics: Metrics, onError: (err: unknown) => void): Store {
  if (options.store === 'sqlite') return new SqliteStore({ path: options.databasePath, durability: options.durability, onCommit: metrics.observeCommit });
  return new PostgresStore({ connectionString: options.store, durability: options.durability, onError });
}

/** Waits for fastify to close (in-flight requests answered); past the timeout, cuts connections. */
async function closeHttp(server: Server, closed: Promise<unknown>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    if ((await Promise.race([closed, timedOut])) === 'timeout') {
      server.closeAllConnections();
      await closed;
    }
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every step in order, each isolated; rethrows the first failure after all have run. */
async function runAll(steps: (() => Promise<unknown> | unknown)[]): Promise<void> {
  let failure: unknown = null;
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      failure ??= err;
    }
  }
  if (failure !== null) throw failure;
}
