/** A real engine on a real SQLite file in a fresh temp dir, with a fake clock; closed after each test. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { Engine, FakeClock, SqliteStore } from '../../core/index.js';

export function tempDir(prefix = 'spool-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export interface TestEngine {
  engine: Engine;
  clock: FakeClock;
  path: string;
  /** Closes this engine and opens a new one on the same file (a restart). */
  reopen(): Promise<TestEngine>;
}

export function testEngine(options: { path?: string; clock?: FakeClock; sweepIntervalMs?: number } = {}): TestEngine {
  const path = options.path ?? join(tempDir(), 'spool.db');
  const clock = options.clock ?? new FakeClock();
  const engine = new Engine({ store: new SqliteStore({ path }), clock, sweepIntervalMs: options.sweepIntervalMs ?? 1000 });
  cleanups.push(() => engine.close());
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

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});
