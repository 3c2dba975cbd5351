import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Engine, FakeClock, openEngine, SpoolError, SqliteStore } from '../../core/index.js';
import { tempDir, testEngine } from '../helpers/engine.js';
import { rejectsWith } from '../helpers/expect.js';

describe('after a restart', () => {
  it('queues, attributes and messages in every state are still there', async () => {
    const t = testEngine();
    const { clock } = t;
    await t.engine.createQueue('dlq');
    const { queue } = await t.engine.createQueue('jobs', {
      visibilityTimeout: 60,
      rewindSeconds: 600,
      maxMsgHeapNum: 50,
      deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 5 },
    });
    const t0 = clock.now();
    const readyId = await t.engine.send('jobs', { body: 'ready', attributes: { a: '1' }, replyTo: 'dlq', correlationId: 'c' });
    await t.engine.send('jobs', { body: 'delayed', delaySeconds: 30 });
    await t.engine.send('jobs', { body: 'leased', priority: 9 });
    await t.engine.send('jobs', { body: 'deleted', priority: 8 });
    const [leased, deleted] = await t.engine.receiveBatch('jobs', { max: 2 });
    expect([leased!.body, deleted!.body]).toEqual(['leased', 'deleted']);
    await t.engine.delete('jobs', deleted!.receiptHandle);
    const stats = await t.engine.stats('jobs');
    expect(stats).toEqual({ activeMsgNum: 1, inactiveMsgNum: 1, delayMsgNum: 1, rewindMsgNum: 1, minMsgTime: t0 });

    const { engine } = await t.reopen();
    expect(await engine.getQueue('jobs')).toEqual(queue);
    expect((await engine.listQueues()).queues.map((q) => q.name)).toEqual(['dlq', 'jobs']);
    expect(await engine.stats('jobs')).toEqual(stats);
    expect(await engine.receive('jobs')).toMatchObject({ msgId: readyId, body: 'ready', attributes: { a: '1' }, replyTo: 'dlq', correlationId: 'c', enqueueTime: t0 });
    // The lease taken before the restart is still current, and still ends on time.
    await engine.changeVisibility('jobs', leased!.receiptHandle, 60);
    await clock.advance(30_000);
    expect((await engine.receive('jobs'))!.body).toBe('delayed');
    expect(await engine.rewind('jobs', t0)).toBe(1);
    expect((await engine.receive('jobs'))!.body).toBe('deleted');
    await engine.delete('jobs', leased!.receiptHandle);
  });

  it('a lease that ended while the engine was down comes back', async () => {
    const t = testEngine();
    await t.engine.createQueue('jobs', { visibilityTimeout: 10 });
    await t.engine.send('jobs', { body: 'x' });
    const got = (await t.engine.receive('jobs'))!;
    await t.engine.close();
    await t.clock.advance(60_000);
    const { engine, clock } = await t.reopen();
    await clock.advance(0);
    await rejectsWith(engine.delete('jobs', got.receiptHandle), 'RECEIPT_HANDLE_STALE');
    expect(await engine.receive('jobs')).toMatchObject({ body: 'x', dequeueCount: 2 });
  });

  it('msgIds keep growing: no id is reused after deletes and a restart', async () => {
    const t = testEngine();
    await t.engine.createQueue('jobs');
    const first = await t.engine.send('jobs', { body: 'x' });
    await t.engine.delete('jobs', (await t.engine.receive('jobs'))!.receiptHandle);
    const { engine } = await t.reopen();
    const second = await engine.send('jobs', { body: 'y' });
    expect(BigInt(second)).toBeGreaterThan(BigInt(first));
  });

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

    let err: unknown;
    try {
      new SqliteStore({ path });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SpoolError);
    expect((err as SpoolError).code).toBe('STORE_SCHEMA_MISMATCH');
    expect((err as SpoolError).message).toContain(`version ${known + 1}`);

    // The file is left as it was, and is not held open: once fixed it opens again.
    const fix = new Database(path);
    expect(fix.pragma('user_version', { simple: true })).toBe(known + 1);
    fix.pragma(`user_version = ${known}`);
    fix.close();
    await new SqliteStore({ path }).close();
  });

  it('is owned by one store at a time: a second one fails with STORE_LOCKED', async () => {
    const path = join(tempDir(), 'spool.db');
    const engine = new Engine({ store: new SqliteStore({ path }), clock: new FakeClock() });
    try {
      await engine.createQueue('jobs');
      await engine.send('jobs', { body: 'x' });
      let err: unknown;
      try {
        new SqliteStore({ path });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(SpoolError);
      expect((err as SpoolError).code).toBe('STORE_LOCKED');
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
