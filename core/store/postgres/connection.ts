/**
 * Connections to PostgreSQL: two pg Pools and the one place where pg's failures become SpoolErrors.
 *
 * Group commit: each operation runs in its own short transaction on a pooled connection, and the
 * pool runs up to `poolSize` of them in parallel. PostgreSQL then shares WAL flushes itself: a
 * committing backend flushes the WAL up to the newest record, so the commits that arrive during one
 * fsync are all made durable by the next. Batching several operations into one transaction on one
 * connection was the alternative; with pg's one-query-at-a-time protocol it serialises their round
 * trips, and one failing statement aborts the whole transaction (savepoints cost a round trip each).
 * Measured (64 concurrent sends, fsync and synchronous_commit on, the 2-core dev machine): a pool of
 * 1 connection 380 sends/s, 4: 690/s, 10: 925/s, 20: 760/s; hence the default of 10.
 *
 * Durability: the `durable` pool runs with synchronous_commit on (sends, deletes, completes, queue
 * changes reply only after the commit is flushed). Leases and lease extensions go through the
 * `lease` pool with synchronous_commit off, as SQLite leaves them unsynced: a lease lost to a crash
 * of the database only means the message is delivered again. In 'process' durability both are off.
 */
import pg from 'pg';
import { SpoolError } from '../../errors.js';

export type Client = pg.ClientBase;

/** int8 (ids, Unix ms, counts) as numbers: all of them stay below 2^53. Per pool, not pg's global. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20 && format !== 'binary') return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  },
} as unknown as pg.CustomTypesConfig;

export interface ConnectionOptions {
  connectionString: string;
  poolSize: number;
  synchronousCommit: boolean;
  /** The PostgreSQL schema holding Spool's tables: every connection's search_path. */
  schema: string;
  /** Receives errors of idle connections (the server went away); they are dropped from the pool. */
  onIdleError: (err: unknown) => void;
}

export class Connections {
  readonly durable: pg.Pool;
  readonly lease: pg.Pool;

  constructor(options: ConnectionOptions) {
    // application_name: a broker's connections are told apart in pg_stat_activity (process id included).
    const common = { connectionString: options.connectionString, types: TYPES, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30_000, application_name: `spool ${process.pid}` };
    const path = `-c search_path=${options.schema}`;
    this.durable = new pg.Pool({ ...common, max: options.poolSize, options: `${path} -c synchronous_commit=${options.synchronousCommit ? 'on' : 'off'}` });
    this.lease = new pg.Pool({ ...common, max: Math.max(2, Math.ceil(options.poolSize / 2)), options: `${path} -c synchronous_commit=off` });
    this.durable.on('error', options.onIdleError);
    this.lease.on('error', options.onIdleError);
  }

  /**
   * Runs `work` in one transaction and resolves after COMMIT. A deadlock or serialization failure
   * (two brokers touching the same rows in another order) is retried; any other failure rolls back.
   */
  async transaction<T>(work: (client: Client) => Promise<T>, durable = true): Promise<T> {
    const pool = durable ? this.durable : this.lease;
    for (let attempt = 1; ; attempt++) {
      const client = await connect(pool);
      let broken: Error | undefined;
      const onError = (err: Error) => (broken = err);
      client.on('error', onError);
      try {
        await client.query('BEGIN');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        if (isConnectionError(err)) broken = err as Error;
        else await client.query('ROLLBACK').catch((e: Error) => (broken = e));
        if (attempt < 3 && isRetryable(err)) continue;
        throw toStoreError(err);
      } finally {
        client.off('error', onError);
        client.release(broken);
      }
    }
  }

  /** Runs `work` on one connection without a transaction around it: each statement commits by itself. */
  async session<T>(work: (client: Client) => Promise<T>, durable = true): Promise<T> {
    const client = await connect(durable ? this.durable : this.lease);
    let broken: Error | undefined;
    // A checked-out connection that drops between queries emits 'error': note it, do not crash.
    const onError = (err: Error) => (broken = err);
    client.on('error', onError);
    try {
      return await work(client);
    } catch (err) {
      if (isConnectionError(err)) broken = err as Error;
      throw toStoreError(err);
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  /** One statement in its own (implicit) transaction. */
  async query<R extends pg.QueryResultRow>(config: pg.QueryConfig, durable = true): Promise<R[]> {
    const pool = durable ? this.durable : this.lease;
    try {
      return (await pool.query<R>(config)).rows;
    } catch (err) {
      throw toStoreError(err);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.durable.end(), this.lease.end()]);
  }
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (err) {
    throw toStoreError(err);
  }
}

/** SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** A connection string fit to print: the password masked, in the user part and in the query (libpq's `?password=`, `sslpassword`). */
export function redactConnectionString(connectionString: string): string | null {
  try {
    const url = new URL(connectionString);
    if (url.password) url.password = '***';
    for (const key of [...url.searchParams.keys()]) if (/password/i.test(key)) url.searchParams.set(key, '***');
    return url.toString();
  } catch {
    return null;
  }
}

/** PostgreSQL refused the data itself (classes 22 and 23: a bad value, a broken constraint), not the connection. */
export function isDataError(err: unknown): boolean {
  const state = sqlState(err);
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

function isRetryable(err: unknown): boolean {
  const state = sqlState(err);
  return state === '40P01' || state === '40001';
}

/** The connection is gone or unusable: the server closed it, refused it, or the network failed. */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof SpoolError) return false;
  const state = sqlState(err);
  if (state !== undefined) return state.startsWith('08') || state.startsWith('57P');
  return true;
}

/** The one mapping of pg's failures: refusals pass through, everything else is STORE_FAILED. */
export function toStoreError(err: unknown): SpoolError {
  if (err instanceof SpoolError) return err;
  const message = err instanceof Error ? err.message || String((err as { code?: string }).code ?? err) : String(err);
  const what = isConnectionError(err) ? 'PostgreSQL is unreachable' : 'PostgreSQL failed';
  return new SpoolError('STORE_FAILED', `${what}: ${message}`, { cause: err });
}
