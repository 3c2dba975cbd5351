/** The first call: an engine on the embedded SQLite store. */
import { Engine, checkEngineOptions } from './engine/engine.js';
import type { Clock } from './engine/clock.js';
import { DEFAULT_SQLITE_PATH, SqliteStore } from './store/sqlite/sqlite-store.js';
import type { StoreDurability } from './store/store.js';
import type { SpoolError } from './errors.js';

export interface OpenEngineOptions {
  /** SQLite file; default ./data/spool.db. ':memory:' for a throwaway engine. */
  path?: string;
  /** 'fsync' (default): acknowledged writes survive power loss. 'process': only a process crash. */
  durability?: StoreDurability;
  clock?: Clock;
  sweepIntervalMs?: number;
  onError?: (err: SpoolError) => void;
}

export function openEngine(options: OpenEngineOptions = {}): Engine {
  checkEngineOptions(options);
  const store = new SqliteStore({ path: options.path ?? DEFAULT_SQLITE_PATH, durability: options.durability ?? 'fsync' });
  return new Engine({ store, clock: options.clock, sweepIntervalMs: options.sweepIntervalMs, onError: options.onError });
}
