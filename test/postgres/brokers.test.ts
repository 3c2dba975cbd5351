/**
 * What only a shared store has: several engines (brokers) on one PostgreSQL database. Each test
 * gets a database of its own; engines run on the real clock, as separate brokers would.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, inject } from 'vitest';
import { Engine, PostgresStore, SpoolError, type ReceivedMessage } from '../../core/index.js';
import { adminQuery } from '../helpers/postgres.js';
import { rejectsWith, until } from '../helpers/expect.js';

let url = '';
let name = '';
const engines: Engine[] = [];

beforeEach(async () => {
  const { adminUrl } = inject('postgres');
  name = `spool_brokers_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  url = adminUrl.replace(/\/postgres$/, `/${name}`);
});

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close()));
  await adminQuery(inject('postgres').adminUrl, `DROP DATABASE ${name} WITH (FORCE)`);
});

/** A broker's engine on the shared database; the sweep runs every 100 ms to keep tests short. */
async function broker(): Promise<Engine> {
  const store = new PostgresStore({ connectionString: url, poolSize: 4 });
  await store.ready();
  const engine = new Engine({ store, sweepIntervalMs: 100 });
  engines.push(engine);
  return engine;
}

describe('several brokers on one database', () => {
  it('migrate once when they start together, and see the same queues', async () => {
    const [a, b, c] = await Promise.all([broker(), broker(), broker()]);
    await a!.createQueue('jobs');
    expect((await b!.listQueues()).queues.map((q) => q.name)).toEqual(['jobs']);
    expect((await c!.createQueue('jobs')).created).toBe(false);
  });

  it('a cancel through one broker reaches the holder of the lease on another', async () => {
    const [a, b] = await Promise.all([broker(), broker()]);
    await a.createQueue('jobs');
    const held: ReceivedMessage[] = [];
    b.consume('jobs', { prefetch: 1 }, (m) => {
      held.push(m);
      return new Promise(() => {}); // runs until cancelled (the test ends first)
    });
    const cancelledOnB: string[] = [];
    b.events.on('cancel', ({ queue, msgId }) => cancelledOnB.push(`${queue}/${msgId}`));
    const msgId = await a.send('jobs', { body: 'long task' });
    await until(() => held.length === 1, 'the delivery on b', 2000);
    expect(await a.cancelMessage('jobs', msgId)).toBe('running');
    await until(() => cancelledOnB.length === 1, 'the cancel heard on b', 2000);
    expect(cancelledOnB).toEqual([`jobs/${msgId}`]);
  });

  it('a send through one broker wakes a push consumer on another, without polling', async () => {
    const [a, b] = await Promise.all([broker(), broker()]);
    await a.createQueue('jobs');
    const got: ReceivedMessage[] = [];
    b.consume('jobs', { prefetch: 10 }, (m) => {
      got.push(m);
      return b.delete('jobs', m.receiptHandle);
    });
    // Long after the consumer found the queue empty: only a wake-up can bring it the message.
    await new Promise((resolve) => setTimeout(resolve, 300));
    await a.send('jobs', { body: 'hello from a' });
    await until(() => got.length === 1, 'the delivery on b', 2000);
    expect(got[0]!.body).toBe('hello from a');
  });

  it('a long poll on one broker is answered by a send through another', async () => {
    const [a, b] = await Promise.all([broker(), broker()]);
    await a.createQueue('jobs');
    const polling = b.receive('jobs', { waitSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    await a.send('jobs', { body: 'x' });
    expect(await polling).toMatchObject({ body: 'x' });
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('share leases: concurrent receives never lease one message twice, and every message is delivered', async () => {
    const brokers = await Promise.all([broker(), broker(), broker()]);
    await brokers[0]!.createQueue('jobs', { visibilityTimeout: 60 });
    const total = 300;
    for (let i = 0; i < total; i += 16) {
      await brokers[i % 3]!.sendBatch('jobs', Array.from({ length: Math.min(16, total - i) }, (_, j) => ({ body: `m${i + j}` })));
    }
    const seen: string[] = [];
    await Promise.all(
      brokers.flatMap((b) =>
        [1, 2].map(async () => {
          for (;;) {
            const batch = await b.receiveBatch('jobs', { max: 7 });
            if (batch.length === 0) return;
            seen.push(...batch.map((m) => m.msgId));
            await b.deleteBatch('jobs', batch.map((m) => m.receiptHandle));
          }
        }),
      ),
    );
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(total);
  });

  it('agree on stats, kept in the database', async () => {
    const [a, b] = await Promise.all([broker(), broker()]);
    await a.createQueue('jobs');
    await a.sendBatch('jobs', [{ body: '1' }, { body: '2' }, { body: '3', delaySeconds: 60 }]);
    const leased = await b.receive('jobs');
    expect(await a.stats('jobs')).toMatchObject({ activeMsgNum: 1, inactiveMsgNum: 1, delayMsgNum: 1 });
    expect(await b.stats('jobs')).toEqual(await a.stats('jobs'));
    await a.delete('jobs', leased!.receiptHandle);
    expect(await b.stats('jobs')).toMatchObject({ activeMsgNum: 1, inactiveMsgNum: 0, delayMsgNum: 1 });
  });

  it('see attribute changes and deletions made through another broker', async () => {
    const [a, b] = await Promise.all([broker(), broker()]);
    await a.createQueue('jobs', { maxMsgHeapNum: 1 });
    await b.send('jobs', { body: 'fills it' });
    await rejectsWith(b.send('jobs', { body: 'one too many' }), 'BACKLOG_FULL');
    await a.setQueueAttributes('jobs', { maxMsgHeapNum: 10 });
    await expect.poll(() => b.getQueue('jobs').then((q) => q.attributes.maxMsgHeapNum), { timeout: 2000 }).toBe(10);
    await b.send('jobs', { body: 'fits now' });
    await a.deleteQueue('jobs');
    await expect.poll(() => b.getQueue('jobs').catch((e: SpoolError) => e.code), { timeout: 2000 }).toBe('QUEUE_NOT_FOUND');
    await rejectsWith(b.send('jobs', { body: 'gone' }), 'QUEUE_NOT_FOUND');
  });

  it("serve a lease that ended on a broker that is gone (no leader needed)", async () => {
    const [a, b] = await Promise.all([broker(), broker()]);
    await a.createQueue('jobs');
    await a.send('jobs', { body: 'work' });
    const first = await a.receive('jobs', { visibilityTimeout: 1 });
    expect(first).not.toBeNull();
    await a.close(); // broker a is gone with the lease
    const got: ReceivedMessage[] = [];
    b.consume('jobs', { prefetch: 1 }, (m) => void got.push(m));
    await until(() => got.length === 1, 'the redelivery on b', 4000);
    expect(got[0]).toMatchObject({ msgId: first!.msgId, dequeueCount: 2 });
    await rejectsWith(b.delete('jobs', first!.receiptHandle), 'RECEIPT_HANDLE_STALE');
    await b.delete('jobs', got[0]!.receiptHandle);
  });
});

describe('the schema', () => {
  it('written by a newer Spool is refused with STORE_SCHEMA_MISMATCH, and left as it was', async () => {
    await (await broker()).createQueue('jobs');
    await adminQuery(url, 'INSERT INTO spool.migrations (version) VALUES (999)');
    const store = new PostgresStore({ connectionString: url });
    try {
      const err = await rejectsWith(store.ready(), 'STORE_SCHEMA_MISMATCH');
      expect(err.message).toContain('version 999');
      await rejectsWith(store.listQueues({ prefix: '', offset: 0, limit: 10 }), 'STORE_SCHEMA_MISMATCH');
    } finally {
      await store.close();
    }
    await adminQuery(url, 'DELETE FROM spool.migrations WHERE version = 999');
    const fixed = await broker();
    expect((await fixed.getQueue('jobs')).name).toBe('jobs');
  });

  it('written by an older Spool is migrated by the first broker to start, its messages kept', async () => {
    const old = await broker();
    await old.createQueue('jobs');
    const msgId = await old.send('jobs', { body: 'from v1' });
    await old.close();
    engines.splice(engines.indexOf(old), 1);
    // Back to the first schema: what Spool 0.1 wrote.
    await adminQuery(
      url,
      'DROP TABLE spool.subscriptions; DROP TABLE spool.topics; DROP INDEX spool.messages_replayable; ALTER TABLE spool.messages DROP COLUMN cancelled_at; DELETE FROM spool.migrations WHERE version > 1',
    );
    const [a, b] = await Promise.all([broker(), broker()]);
    expect(await b.receive('jobs')).toMatchObject({ msgId, body: 'from v1' });
    expect((await a.getQueue('jobs')).name).toBe('jobs');
    // Migration 5: topics work on the upgraded database, seen from both brokers.
    await a.topics.createTopic('news');
    await a.topics.subscribe('news', 'to-jobs', { protocol: 'queue', endpoint: 'jobs' });
    await b.topics.publish('news', { body: 'fanned out' });
    expect((await a.receive('jobs'))!.body).toBe('fanned out');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ version: number }>('SELECT version FROM spool.migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual([1, 2, 3, 4, 5]);
      expect((await client.query("SELECT 1 FROM pg_indexes WHERE schemaname = 'spool' AND indexname = 'messages_kept'")).rowCount).toBe(0);
      expect((await client.query("SELECT 1 FROM pg_indexes WHERE schemaname = 'spool' AND indexname = 'messages_replayable'")).rowCount).toBe(1);
      expect((await client.query("SELECT 1 FROM information_schema.columns WHERE table_schema = 'spool' AND table_name = 'messages' AND column_name = 'cancelled_at'")).rowCount).toBe(1);
    } finally {
      await client.end();
    }
  });
});

describe('group commit', () => {
  it('a value PostgreSQL refuses fails its own call only, not the calls batched with it', async () => {
    const store = new PostgresStore({ connectionString: url, poolSize: 4 });
    await store.ready();
    const engine = new Engine({ store, sweepIntervalMs: 100 });
    engines.push(engine);
    await engine.createQueue('jobs');
    const now = Date.now();
    const message = (correlationId: string) => ({ body: 'x', priority: 0, visibleAt: now, attributes: null, dedupId: null, replyTo: null, correlationId, lease: null });
    // The engine refuses NUL before the store; straight to the store, it is a value PostgreSQL's text cannot hold.
    const calls = ['a', 'b\u0000c', 'd'].map((id) => store.enqueue('jobs', [message(id)], now, 300_000));
    const [good, bad, alsoGood] = await Promise.allSettled(calls);
    expect(good).toMatchObject({ status: 'fulfilled' });
    expect(alsoGood).toMatchObject({ status: 'fulfilled' });
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'STORE_FAILED' } });
    expect((await store.stats('jobs', now)).activeMsgNum).toBe(2);
  });
});

describe('connections', () => {
  it("name the broker's process in pg_stat_activity (application_name)", async () => {
    const engine = await broker();
    await engine.createQueue('jobs');
    const rows = await adminQuery(inject('postgres').adminUrl, `SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = '${name}' AND application_name LIKE 'spool %'`);
    expect(rows).toEqual([{ application_name: `spool ${process.pid}` }]);
  });
});
