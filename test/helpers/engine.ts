/**
 * A real engine on a real store with a fake clock; closed after each test. The store is SQLite (a
 * file in a fresh temp dir) unless SPOOL_TEST_STORE=postgres, which the vitest `postgres` project
 * sets: then it is PostgreSQL, on the cluster that postgres-setup.ts started, in a database of its
 * own per test file and a schema of its own per engine (as a fresh SQLite file would be).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { Engine, FakeClock, PostgresStore, SqliteStore, type Store } from '../../core/index.js';
import { adminQuery } from './postgres.js';

/** The store the engine suite runs on in this project. */
export const STORE_KIND: 'sqlite' | 'postgres' = process.env.SPOOL_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

export function tempDir(prefix = 'spool-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestEngine {
  engine: Engine;
  clock: FakeClock;
  /** Where the store keeps its data: the SQLite file, or the PostgreSQL URL with `?schema=`. */
  path: string;
  /** Closes this engine and opens a new one on the same data (a restart). */
  reopen(): Promise<TestEngine>;
}

/** A new store of this project's kind on `path` (default: fresh data); closed by its engine. */
export function testStore(path = freshLocation()): Store {
  if (STORE_KIND === 'sqlite') return new SqliteStore({ path });
  const url = new URL(path);
  const schema = url.searchParams.get('schema') ?? 'spool';
  url.search = '';
  return new PostgresStore({ connectionString: url.toString(), schema, poolSize: 4 });
}

export function testEngine(options: { path?: string; clock?: FakeClock; sweepIntervalMs?: number } = {}): TestEngine {
  const path = options.path ?? freshLocation();
  const clock = options.clock ?? new FakeClock();
  const engine = closeAfterTest(new Engine({ store: testStore(path), clock, sweepIntervalMs: options.sweepIntervalMs ?? 1000 }));
  return {
    engine,
    clock,
    path,
    reopen: async () => {
      await engine.close();
      return testEngine({ path, clock, sweepIntervalMs: options.sweepIntervalMs });
    },
  };
}

const cleanups: (() => unknown)[] = [];

/** Closes `engine` after the current test (closing it earlier is fine too). */
export function closeAfterTest(engine: Engine): Engine {
  cleanups.push(() => engine.close());
  return engine;
}

/** This test file's PostgreSQL database (postgres project only). */
let database: { name: string; url: string } | null = null;
let schemas = 0;

function freshLocation(): string {
  if (STORE_KIND === 'sqlite') return join(tempDir(), 'spool.db');
  if (!database) throw new Error('the PostgreSQL test database is not ready (testEngine() outside a test?)');
  return `${database.url}?schema=t${++schemas}`;
}

if (STORE_KIND === 'postgres') {
  beforeAll(async () => {
    const { adminUrl } = inject('postgres');
    const name = `spool_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
    database = { name, url: adminUrl.replace(/\/postgres$/, `/${name}`) };
  });
  afterAll(async () => {
    if (!database) return;
    await adminQuery(inject('postgres').adminUrl, `DROP DATABASE ${database.name} WITH (FORCE)`);
    database = null;
  });
}

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
