/**
 * Options of the broker: named defaults, merged with an optional JSON config file, then SPOOL_*
 * environment variables, then explicit flags (flags win), validated with messages that name the
 * option and where its value came from. The result has nothing optional.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpoolError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { StoreDurability } from '../store/store.js';
import { redactConnectionString } from '../store/postgres/connection.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerLimits {
  /** Largest request body on every route but send, bytes: a 1 MiB message body (complete's reply) plus JSON escaping. */
  bodyLimitBytes: number;
  /**
   * Largest body of `POST /v1/queues/{q}/messages`, bytes: room for a batch of 16 messages of
   * 1 MiB each with about 25% JSON overhead. Bodies that need heavy escaping go in smaller batches.
   */
  sendBodyLimitBytes: number;
  /** Open TCP connections at once, HTTP and WebSocket together; further ones are dropped (WebSocket upgrades refused with 503). */
  maxConnections: number;
  /** Longest long poll a receive may ask for, seconds (at most 30). */
  longPollMaxSeconds: number;
  /** Largest WebSocket frame a client may send, bytes. */
  wsMaxPayloadBytes: number;
  /** WebSocket ping interval; a peer that missed the previous ping is terminated. */
  wsPingIntervalMs: number;
  /** Stop pushing to a socket with more than this many bytes buffered. */
  wsHighWaterMarkBytes: number;
  /** How long close() waits for in-flight HTTP requests before cutting their connections. */
  shutdownTimeoutMs: number;
}

export interface ServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /**
   * Where messages live: 'sqlite' (the default: `<dataDir>/spool.db`, one broker per file) or a
   * PostgreSQL URL `postgres://user:password@host:port/database`, which several brokers may share.
   */
  store: string;
  /** Folder of the SQLite database. */
  dataDir: string;
  /** `<dataDir>/spool.db`. */
  databasePath: string;
  /** 'fsync': acknowledged writes survive power loss; 'process': only a process crash. */
  durability: StoreDurability;
  logLevel: LogLevel;
  /** Keep leases of a WebSocket that closes until they expire, instead of releasing them at once. */
  keepLeasesOnClose: boolean;
  /** JSON file of the API keys clients must present (docs/auth.md); null: none, which only a loopback host allows. */
  apiKeysFile: string | null;
  limits: ServerLimits;
}

export type ServerOptionsInput = Partial<Omit<ServerOptions, 'limits' | 'databasePath'>> & { limits?: Partial<ServerLimits> };

const MiB = 1024 * 1024;

export const DEFAULT_SERVER_OPTIONS: Readonly<Omit<ServerOptions, 'databasePath'>> = Object.freeze({
  host: '127.0.0.1',
  port: 7878,
  store: 'sqlite',
  dataDir: './data',
  durability: 'fsync',
  logLevel: 'info',
  keepLeasesOnClose: false,
  apiKeysFile: null,
  limits: Object.freeze({
    bodyLimitBytes: 2.5 * MiB,
    sendBodyLimitBytes: 20 * MiB,
    maxConnections: 10_000,
    longPollMaxSeconds: LIMITS.pollingWaitSecondsMax,
    wsMaxPayloadBytes: 2 * MiB,
    wsPingIntervalMs: 15_000,
    wsHighWaterMarkBytes: MiB,
    shutdownTimeoutMs: 10_000,
  }),
});

type Kind = { type: 'string' } | { type: 'file-or-none' } | { type: 'store' } | { type: 'enum'; values: readonly string[] } | { type: 'boolean' } | { type: 'integer'; min: number; max: number };

interface OptionSpec {
  /** Key in the input (`limits.` prefix for limits). */
  key: string;
  env: string;
  kind: Kind;
}

const int = (min: number, max: number): Kind => ({ type: 'integer', min, max });

const SPECS: OptionSpec[] = [
  { key: 'host', env: 'SPOOL_HOST', kind: { type: 'string' } },
  { key: 'port', env: 'SPOOL_PORT', kind: int(0, 65_535) },
  { key: 'store', env: 'SPOOL_STORE', kind: { type: 'store' } },
  { key: 'dataDir', env: 'SPOOL_DATA', kind: { type: 'string' } },
  { key: 'durability', env: 'SPOOL_DURABILITY', kind: { type: 'enum', values: ['fsync', 'process'] } },
  { key: 'logLevel', env: 'SPOOL_LOG_LEVEL', kind: { type: 'enum', values: LOG_LEVELS } },
  { key: 'keepLeasesOnClose', env: 'SPOOL_KEEP_LEASES_ON_CLOSE', kind: { type: 'boolean' } },
  { key: 'apiKeysFile', env: 'SPOOL_API_KEYS_FILE', kind: { type: 'file-or-none' } },
  { key: 'limits.bodyLimitBytes', env: 'SPOOL_BODY_LIMIT_BYTES', kind: int(1024, 1024 * MiB) },
  { key: 'limits.sendBodyLimitBytes', env: 'SPOOL_SEND_BODY_LIMIT_BYTES', kind: int(1024, 1024 * MiB) },
  { key: 'limits.maxConnections', env: 'SPOOL_MAX_CONNECTIONS', kind: int(1, 1_000_000) },
  { key: 'limits.longPollMaxSeconds', env: 'SPOOL_LONG_POLL_MAX_SECONDS', kind: int(0, LIMITS.pollingWaitSecondsMax) },
  { key: 'limits.wsMaxPayloadBytes', env: 'SPOOL_WS_MAX_PAYLOAD_BYTES', kind: int(1024, 1024 * MiB) },
  { key: 'limits.wsPingIntervalMs', env: 'SPOOL_WS_PING_INTERVAL_MS', kind: int(10, 3_600_000) },
  { key: 'limits.wsHighWaterMarkBytes', env: 'SPOOL_WS_HIGH_WATER_MARK_BYTES', kind: int(1024, 1024 * MiB) },
  { key: 'limits.shutdownTimeoutMs', env: 'SPOOL_SHUTDOWN_TIMEOUT_MS', kind: int(0, 600_000) },
];

/** Environment variable that names a config file when `configFile` is not given. */
export const CONFIG_ENV = 'SPOOL_CONFIG';

export interface ServerOptionSources {
  /** Explicit options (command-line flags); they win over everything else. */
  flags?: ServerOptionsInput;
  /** Environment to read SPOOL_* from; default: none (pass process.env to use it). */
  env?: Record<string, string | undefined>;
  /** JSON file with the shape of ServerOptionsInput; default: $SPOOL_CONFIG from `env`, else none. */
  configFile?: string | null;
}

/**
 * Resolves options: defaults < config file < environment < flags. Throws SpoolError
 * INVALID_PARAMETER naming the option and its source when a value is out of range or unknown.
 */
export function resolveServerOptions(sources: ServerOptionSources = {}): ServerOptions {
  const env = sources.env ?? {};
  const values = new Map<string, { value: unknown; source: string }>();
  const configFile = sources.configFile ?? env[CONFIG_ENV] ?? null;
  if (configFile) collectInput(readConfig(configFile), `config file ${configFile}`, values);
  for (const spec of SPECS) {
    const raw = env[spec.env];
    if (raw !== undefined && raw !== '') values.set(spec.key, { value: fromEnv(spec, raw), source: spec.env });
  }
  if (sources.flags) collectInput(sources.flags, 'flags', values);

  const resolved = structuredClone(DEFAULT_SERVER_OPTIONS) as Omit<ServerOptions, 'databasePath'>;
  for (const spec of SPECS) {
    const given = values.get(spec.key);
    if (given) assign(resolved, spec.key, check(spec, given.value, given.source));
  }
  const { limits } = resolved;
  if (limits.sendBodyLimitBytes < limits.bodyLimitBytes) {
    throw invalid(`limits.sendBodyLimitBytes (${limits.sendBodyLimitBytes}) must not be less than limits.bodyLimitBytes (${limits.bodyLimitBytes})`);
  }
  return { ...resolved, databasePath: join(resolved.dataDir, 'spool.db') };
}

function readConfig(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw invalid(`cannot read config file ${path}: ${(err as Error).message}`, err);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalid(`config file ${path} is not valid JSON: ${(err as Error).message}`, err);
  }
}

/** Flattens an input object into `values`, rejecting keys that are not options. */
function collectInput(input: unknown, source: string, values: Map<string, { value: unknown; source: string }>): void {
  if (!isPlainObject(input)) throw invalid(`${source}: options must be an object`);
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (key === 'limits') {
      if (!isPlainObject(value)) throw invalid(`limits must be an object (from ${source})`);
      for (const [limit, v] of Object.entries(value)) {
        if (v === undefined) continue;
        known(`limits.${limit}`, source);
        values.set(`limits.${limit}`, { value: v, source });
      }
    } else if (key === 'databasePath') {
      throw invalid(`databasePath cannot be set (from ${source}): set dataDir; the database is <dataDir>/spool.db`);
    } else {
      known(key, source);
      values.set(key, { value, source });
    }
  }
}

function known(key: string, source: string): void {
  if (!SPECS.some((s) => s.key === key)) throw invalid(`unknown option ${JSON.stringify(key)} (from ${source})`);
}

function fromEnv(spec: OptionSpec, raw: string): unknown {
  const text = raw.trim();
  if (spec.kind.type === 'integer') return /^-?\d+$/.test(text) ? Number(text) : raw;
  if (spec.kind.type === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(text)) return true;
    if (/^(0|false|no|off)$/i.test(text)) return false;
    return raw;
  }
  return text;
}

function check(spec: OptionSpec, value: unknown, source: string): unknown {
  const { kind } = spec;
  const fail = (what: string) => invalid(`${spec.key} must be ${what}, got ${JSON.stringify(value) ?? String(value)} (from ${source})`);
  switch (kind.type) {
    case 'string':
      if (typeof value !== 'string' || value.trim() === '') throw fail('a non-empty string');
      return value;
    case 'file-or-none':
      if (value !== null && (typeof value !== 'string' || value.trim() === '')) throw fail('a file path, or null for none');
      return value;
    case 'store': {
      if (value === 'sqlite') return value;
      // Never echoed as given: a connection string may hold a password.
      const shown = typeof value === 'string' && /^postgres(ql)?:\/\/./.test(value) ? redactConnectionString(value) : null;
      if (shown === null) throw invalid(`store must be 'sqlite' or a valid postgres://user:password@host:port/database URL (port 1-65535), got ${typeof value === 'string' ? 'something else' : typeof value} (from ${source})`);
      return value;
    }
    case 'enum':
      if (typeof value !== 'string' || !kind.values.includes(value)) throw fail(`one of ${kind.values.join(', ')}`);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw fail('true or false');
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < kind.min || value > kind.max) {
        throw fail(`an integer from ${kind.min} to ${kind.max}`);
      }
      return value;
  }
}

function assign(target: Omit<ServerOptions, 'databasePath'>, key: string, value: unknown): void {
  if (key.startsWith('limits.')) (target.limits as unknown as Record<string, unknown>)[key.slice(7)] = value;
  else (target as unknown as Record<string, unknown>)[key] = value;
}

/** Only programs on this machine can reach a broker listening here. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

/** The store for messages and logs: the SQLite file, or the PostgreSQL URL without its password. */
export function describeStore(options: Pick<ServerOptions, 'store' | 'databasePath'>): string {
  if (options.store === 'sqlite') return `SQLite ${options.databasePath}`;
  const shown = redactConnectionString(options.store);
  return shown === null ? 'PostgreSQL' : `PostgreSQL ${shown}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(message: string, cause?: unknown): SpoolError {
  return new SpoolError('INVALID_PARAMETER', message, cause === undefined ? undefined : { cause });
}
