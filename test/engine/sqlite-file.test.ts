/**
 * What only the SQLite store has: its file (ownership, schema version, folder creation), its group
 * commit's syncs, and openEngine's durability modes. The PostgreSQL store's own checks are in
 * test/postgres/.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Engine, FakeClock, openEngine, SqliteStore } from '../../core/index.js';
import { tempDir } from '../helpers/engine.js';
import { throwsWith } from '../helpers/expect.js';

describe('durability modes', () => {
  it("works in 'process' durability mode too", async () => {
    const path = join(tempDir(), 'spool.db');
    const clock = new FakeClock();
    const first = openEngine({ path, durability: 'process', clock });
    await first.createQueue('jobs');
    const msgId = await first.send('jobs', { body: 'kept' });
    await first.close();
    const second = openEngine({ path, clock });
    try {
      expect(await second.receive('jobs')).toMatchObject({ msgId, body: 'kept' });
    } finally {
      await second.close();
    }
  });
});

describe('group commit', () => {
  async function commitsOf(durability: 'fsync' | 'process') {
    const events: string[] = [];
    const store = new SqliteStore({ path: join(tempDir(), 'spool.db'), durability, onCommit: ({ ops, synced }) => events.push(`commit ${ops} ${synced ? 'synced' : 'unsynced'}`) });
    const engine = new Engine({ store, clock: new FakeClock(), sweepIntervalMs: 3_600_000 });
    try {
      await engine.createQueue('jobs');
      events.length = 0;
      await Promise.all(Array.from({ length: 100 }, (_, i) => engine.send('jobs', { body: `m${i}` }).then(() => events.push('ack'))));
      const untilLastAck = events.slice();
      expect((await engine.stats('jobs')).activeMsgNum).toBe(100);
      return untilLastAck;
    } finally {
      await engine.close();
    }
  }

  it('sends that arrive together share a synced commit, and none is acknowledged before it', async () => {
    const events = await commitsOf('fsync');
    const commits = events.filter((e) => e.startsWith('commit'));
    expect(commits.length).toBeLessThan(10);
    expect(commits.every((e) => e.endsWith(' synced'))).toBe(true);
    expect(events[0]).toMatch(/^commit /);
    // Every ack follows the commit that holds it: the acks after each commit never outnumber its operations.
    let committed = 0;
    for (const e of events) {
      if (e === 'ack') expect(--committed).toBeGreaterThanOrEqual(0);
      else committed += Number(e.split(' ')[1]);
    }
  });

  it('a batch stops taking operations at its time budget, and the rest commit after it', async () => {
    const sizes: number[] = [];
    // A budget of 0 ms is spent at the first check, before the fourth operation.
    const store = new SqliteStore({ path: join(tempDir(), 'spool.db'), maxBatchMs: 0, onCommit: ({ ops }) => sizes.push(ops) });
    const engine = new Engine({ store, clock: new FakeClock(), sweepIntervalMs: 3_600_000 });
    try {
      await engine.createQueue('jobs');
      sizes.length = 0;
      await Promise.all(Array.from({ length: 100 }, (_, i) => engine.send('jobs', { body: `m${i}` })));
      expect(Math.max(...sizes)).toBe(3);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(100);
      expect((await engine.stats('jobs')).activeMsgNum).toBe(100);
    } finally {
      await engine.close();
    }
  });

  it("in 'process' mode commits without a sync", async () => {
    const events = await commitsOf('process');
    expect(events.filter((e) => e.startsWith('commit')).every((e) => e.endsWith(' unsynced'))).toBe(true);
  });
});

describe('the database file', () => {
  it('written by a newer Spool (higher user_version) is refused with STORE_SCHEMA_MISMATCH', async () => {
    const path = join(tempDir(), 'spool.db');
    const store = new SqliteStore({ path });
    await store.close();
    const db = new Database(path);
    const known = db.pragma('user_version', { simple: true }) as number;
    expect(known).toBeGreaterThan(0);
    db.pragma(`user_version = ${known + 1}`);
    db.close();

    const err = throwsWith(() => new SqliteStore({ path }), 'STORE_SCHEMA_MISMATCH');
    expect(err.message).toContain(`version ${known + 1}`);

    // The file is left as it was, and is not held open: once fixed it opens again.
    const fix = new Database(path);
    expect(fix.pragma('user_version', { simple: true })).toBe(known + 1);
    fix.pragma(`user_version = ${known}`);
    fix.close();
    await new SqliteStore({ path }).close();
  });

  it('written by an older Spool is migrated on open, its messages kept', async () => {
    const path = join(tempDir(), 'spool.db');
    const clock = new FakeClock();
    const old = new Engine({ store: new SqliteStore({ path }), clock });
    await old.createQueue('jobs', { rewindSeconds: 60 });
    const msgId = await old.send('jobs', { body: 'from v1' });
    await old.close();
    // Back to the first schema: what Spool 0.1 wrote.
    const db = new Database(path);
    db.exec('DROP TABLE subscriptions; DROP TABLE topics; DROP INDEX messages_replayable; ALTER TABLE messages DROP COLUMN cancelled_at');
    db.pragma('user_version = 1');
    db.close();

    const engine = new Engine({ store: new SqliteStore({ path }), clock });
    try {
      expect(await engine.receive('jobs')).toMatchObject({ msgId, body: 'from v1' });
      // Migration 5: topics work on the upgraded file.
      await engine.topics.createTopic('news');
      await engine.topics.subscribe('news', 'to-jobs', { protocol: 'queue', endpoint: 'jobs' });
      await engine.topics.publish('news', { body: 'fanned out' });
      expect((await engine.receive('jobs'))!.body).toBe('fanned out');
    } finally {
      await engine.close();
    }
    const check = new Database(path, { readonly: true });
    expect(check.pragma('user_version', { simple: true })).toBe(5);
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'messages_%' ORDER BY name").all()).toEqual(
      ['messages_age', 'messages_due', 'messages_ready', 'messages_replayable'].map((name) => ({ name })),
    );
    expect(check.prepare("SELECT name FROM pragma_table_info('messages') WHERE name = 'cancelled_at'").get()).toEqual({ name: 'cancelled_at' });
    check.close();
  });

  it('is owned by one store at a time: a second one fails with STORE_LOCKED', async () => {
    const path = join(tempDir(), 'spool.db');
    const engine = new Engine({ store: new SqliteStore({ path }), clock: new FakeClock() });
    try {
      await engine.createQueue('jobs');
      await engine.send('jobs', { body: 'x' });
      throwsWith(() => new SqliteStore({ path }), 'STORE_LOCKED');
      // The first store is unharmed.
      expect((await engine.receive('jobs'))!.body).toBe('x');
    } finally {
      await engine.close();
    }
    await new SqliteStore({ path }).close();
  });

  it('is created with its folder when missing', async () => {
    const path = join(tempDir(), 'nested', 'deeper', 'spool.db');
    const engine = openEngine({ path, clock: new FakeClock() });
    try {
      expect((await engine.createQueue('jobs')).created).toBe(true);
    } finally {
      await engine.close();
    }
  });
});
