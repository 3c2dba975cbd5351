import { describe, expect, it } from 'vitest';
import { DEFAULT_ATTRIBUTES } from '../../core/index.js';
import { testEngine } from '../helpers/engine.js';
import { rejectsWith } from '../helpers/expect.js';

describe('create', () => {
  it('creates a queue with CMQ defaults (maxMsgSize 1 MiB)', async () => {
    const { engine, clock } = testEngine();
    const { created, queue } = await engine.createQueue('jobs');
    expect(created).toBe(true);
    expect(queue).toEqual({ name: 'jobs', attributes: { ...DEFAULT_ATTRIBUTES }, createdAt: clock.now(), modifiedAt: clock.now() });
    expect(queue.attributes).toEqual({
      visibilityTimeout: 30,
      pollingWaitSeconds: 0,
      maxMsgSize: 1_048_576,
      msgRetentionSeconds: 345_600,
      rewindSeconds: 0,
      maxMsgHeapNum: 100_000_000,
      delaySeconds: 0,
      deadLetterPolicy: null,
    });
    expect(await engine.getQueue('jobs')).toEqual(queue);
  });

  it('is idempotent with the same attributes', async () => {
    const { engine, clock } = testEngine();
    const first = await engine.createQueue('jobs', { visibilityTimeout: 60, maxMsgSize: 4096 });
    await clock.advance(5000);
    const again = await engine.createQueue('jobs', { maxMsgSize: 4096, visibilityTimeout: 60 });
    expect(again.created).toBe(false);
    expect(again.queue).toEqual(first.queue);
    // Spelling a default out is the same attributes as leaving it out.
    const spelled = await engine.createQueue('jobs', { visibilityTimeout: 60, maxMsgSize: 4096, delaySeconds: 0 });
    expect(spelled.created).toBe(false);
    expect((await engine.listQueues()).total).toBe(1);
  });

  it('accepts the same dead-letter policy as an object or as CMQ JSON text', async () => {
    const { engine } = testEngine();
    await engine.createQueue('dlq');
    const policy = { deadLetterQueue: 'dlq', policy: 0 as const, maxReceiveCount: 3 };
    expect((await engine.createQueue('src', { deadLetterPolicy: policy })).created).toBe(true);
    expect((await engine.createQueue('src', { deadLetterPolicy: JSON.stringify(policy) })).created).toBe(false);
  });

  it('fails with QUEUE_EXISTS on different attributes and keeps the queue as it was', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 60 });
    await rejectsWith(engine.createQueue('jobs', { visibilityTimeout: 61 }), 'QUEUE_EXISTS');
    // No attributes means the defaults, which differ from what the queue has.
    await rejectsWith(engine.createQueue('jobs'), 'QUEUE_EXISTS');
    expect((await engine.getQueue('jobs')).attributes.visibilityTimeout).toBe(60);
  });

  it('treats names as case-sensitive', async () => {
    const { engine } = testEngine();
    await engine.createQueue('Jobs');
    expect((await engine.createQueue('jobs')).created).toBe(true);
    await engine.send('Jobs', { body: 'upper' });
    expect((await engine.stats('jobs')).activeMsgNum).toBe(0);
    expect((await engine.stats('Jobs')).activeMsgNum).toBe(1);
  });
});

describe('list', () => {
  it('lists by prefix in name order, with offset, limit and total', async () => {
    const { engine } = testEngine();
    for (const name of ['app-c', 'app-a', 'other', 'app-b', 'app_d', 'App-x', 'app-e']) await engine.createQueue(name);

    const all = await engine.listQueues();
    expect(all.total).toBe(7);
    expect(all.queues.map((q) => q.name)).toEqual(['App-x', 'app-a', 'app-b', 'app-c', 'app-e', 'app_d', 'other']);

    const prefixed = await engine.listQueues({ prefix: 'app-' });
    expect(prefixed.total).toBe(4);
    expect(prefixed.queues.map((q) => q.name)).toEqual(['app-a', 'app-b', 'app-c', 'app-e']);

    const page1 = await engine.listQueues({ prefix: 'app-', limit: 2 });
    const page2 = await engine.listQueues({ prefix: 'app-', limit: 2, offset: 2 });
    const page3 = await engine.listQueues({ prefix: 'app-', limit: 2, offset: 4 });
    expect(page1).toMatchObject({ total: 4 });
    expect(page1.queues.map((q) => q.name)).toEqual(['app-a', 'app-b']);
    expect(page2.queues.map((q) => q.name)).toEqual(['app-c', 'app-e']);
    expect(page3).toEqual({ total: 4, queues: [] });

    // '_' is a literal in a prefix (not a LIKE wildcard), and case counts.
    expect((await engine.listQueues({ prefix: 'app_' })).queues.map((q) => q.name)).toEqual(['app_d']);
    expect((await engine.listQueues({ prefix: 'App' })).queues.map((q) => q.name)).toEqual(['App-x']);
    expect(await engine.listQueues({ prefix: 'zzz' })).toEqual({ total: 0, queues: [] });
    // Each entry carries the queue's attributes.
    expect(prefixed.queues[0]!.attributes).toEqual(DEFAULT_ATTRIBUTES);
  });

  it('pages 20 by default and at most 1000', async () => {
    const { engine } = testEngine();
    for (let i = 0; i < 25; i++) await engine.createQueue(`q${String(i).padStart(2, '0')}`);
    const page = await engine.listQueues();
    expect(page.total).toBe(25);
    expect(page.queues).toHaveLength(20);
    expect((await engine.listQueues({ limit: 1000 })).queues).toHaveLength(25);
    await rejectsWith(engine.listQueues({ limit: 1001 }), 'INVALID_PARAMETER');
    await rejectsWith(engine.listQueues({ limit: 0 }), 'INVALID_PARAMETER');
    await rejectsWith(engine.listQueues({ offset: -1 }), 'INVALID_PARAMETER');
    await rejectsWith(engine.listQueues({ offset: 1.5 }), 'INVALID_PARAMETER');
    await rejectsWith(engine.listQueues({ prefix: 7 as unknown as string }), 'INVALID_PARAMETER');
  });
});

describe('get and set attributes', () => {
  it('changes the given attributes, keeps the others, and records the time', async () => {
    const { engine, clock } = testEngine();
    const { queue: created } = await engine.createQueue('jobs', { visibilityTimeout: 45, delaySeconds: 2 });
    await clock.advance(10_000);
    const updated = await engine.setQueueAttributes('jobs', { pollingWaitSeconds: 20, maxMsgHeapNum: 5 });
    expect(updated.attributes).toEqual({ ...DEFAULT_ATTRIBUTES, visibilityTimeout: 45, delaySeconds: 2, pollingWaitSeconds: 20, maxMsgHeapNum: 5 });
    expect(updated.createdAt).toBe(created.createdAt);
    expect(updated.modifiedAt).toBe(created.createdAt + 10_000);
    expect(await engine.getQueue('jobs')).toEqual(updated);
  });

  it('accepts each range at both ends', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const ends = {
      visibilityTimeout: [1, 43_200],
      pollingWaitSeconds: [0, 30],
      maxMsgSize: [1024, 1_048_576],
      msgRetentionSeconds: [1_296_000, 60],
      rewindSeconds: [60, 0],
      maxMsgHeapNum: [1, 1_000_000_000],
      delaySeconds: [0, 3600],
    } as const;
    for (const [name, values] of Object.entries(ends)) {
      for (const value of values) {
        const queue = await engine.setQueueAttributes('jobs', { [name]: value });
        expect(queue.attributes[name as keyof typeof ends]).toBe(value);
      }
    }
  });

  it.each([
    ['visibilityTimeout', 0],
    ['visibilityTimeout', 43_201],
    ['pollingWaitSeconds', -1],
    ['pollingWaitSeconds', 31],
    ['maxMsgSize', 1023],
    ['maxMsgSize', 1_048_577],
    ['msgRetentionSeconds', 59],
    ['msgRetentionSeconds', 1_296_001],
    ['rewindSeconds', -1],
    ['rewindSeconds', 1_296_001],
    ['maxMsgHeapNum', 0],
    ['maxMsgHeapNum', 1_000_000_001],
    ['delaySeconds', -1],
    ['delaySeconds', 3601],
    ['visibilityTimeout', 1.5],
    ['visibilityTimeout', '30'],
    ['visibilityTimeout', Number.NaN],
    ['nosuchAttribute', 1],
  ])('rejects %s = %s with INVALID_ATTRIBUTE, on create and on set, changing nothing', async (name, value) => {
    const { engine } = testEngine();
    await rejectsWith(engine.createQueue('fresh', { [name]: value }), 'INVALID_ATTRIBUTE');
    await rejectsWith(engine.getQueue('fresh'), 'QUEUE_NOT_FOUND');
    await engine.createQueue('jobs');
    await rejectsWith(engine.setQueueAttributes('jobs', { [name]: value }), 'INVALID_ATTRIBUTE');
    expect((await engine.getQueue('jobs')).attributes).toEqual(DEFAULT_ATTRIBUTES);
  });

  it('rejects attributes that are not an object', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await rejectsWith(engine.setQueueAttributes('jobs', 'fast' as never), 'INVALID_ATTRIBUTE');
    await rejectsWith(engine.setQueueAttributes('jobs', [] as never), 'INVALID_ATTRIBUTE');
  });

  it('rejects rewindSeconds above msgRetentionSeconds, whichever one changes', async () => {
    const { engine } = testEngine();
    await rejectsWith(engine.createQueue('jobs', { msgRetentionSeconds: 600, rewindSeconds: 601 }), 'INVALID_ATTRIBUTE');
    await engine.createQueue('jobs', { msgRetentionSeconds: 600, rewindSeconds: 600 });
    await rejectsWith(engine.setQueueAttributes('jobs', { rewindSeconds: 601 }), 'INVALID_ATTRIBUTE');
    await rejectsWith(engine.setQueueAttributes('jobs', { msgRetentionSeconds: 599 }), 'INVALID_ATTRIBUTE');
    expect((await engine.getQueue('jobs')).attributes).toMatchObject({ msgRetentionSeconds: 600, rewindSeconds: 600 });
  });

  it('fails with QUEUE_NOT_FOUND for a queue that does not exist', async () => {
    const { engine } = testEngine();
    await rejectsWith(engine.getQueue('nope'), 'QUEUE_NOT_FOUND');
    await rejectsWith(engine.setQueueAttributes('nope', { visibilityTimeout: 5 }), 'QUEUE_NOT_FOUND');
    await rejectsWith(engine.stats('nope'), 'QUEUE_NOT_FOUND');
    await rejectsWith(engine.purgeQueue('nope'), 'QUEUE_NOT_FOUND');
    await rejectsWith(engine.deleteQueue('nope'), 'QUEUE_NOT_FOUND');
    await rejectsWith(engine.send('nope', { body: 'x' }), 'QUEUE_NOT_FOUND');
    await rejectsWith(engine.receive('nope'), 'QUEUE_NOT_FOUND');
  });
});

describe('delete', () => {
  it('removes the queue and its messages; the name can be used again', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 60 });
    await engine.createQueue('other');
    await engine.sendBatch('jobs', [{ body: 'a' }, { body: 'b' }]);
    const leased = await engine.receive('jobs');
    await engine.deleteQueue('jobs');

    await rejectsWith(engine.getQueue('jobs'), 'QUEUE_NOT_FOUND');
    await rejectsWith(engine.send('jobs', { body: 'c' }), 'QUEUE_NOT_FOUND');
    await rejectsWith(engine.delete('jobs', leased!.receiptHandle), 'QUEUE_NOT_FOUND');
    await rejectsWith(engine.deleteQueue('jobs'), 'QUEUE_NOT_FOUND');
    expect((await engine.listQueues()).queues.map((q) => q.name)).toEqual(['other']);

    const { created, queue } = await engine.createQueue('jobs');
    expect(created).toBe(true);
    expect(queue.attributes).toEqual(DEFAULT_ATTRIBUTES);
    expect(await engine.stats('jobs')).toEqual({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0, rewindMsgNum: 0, minMsgTime: null });
    expect(await engine.receive('jobs')).toBeNull();
  });
});

describe('purge', () => {
  it('removes every message in every state and keeps the queue', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs', { rewindSeconds: 3600, visibilityTimeout: 60 });
    await engine.sendBatch('jobs', [{ body: 'ready' }, { body: 'leased' }, { body: 'kept' }, { body: 'delayed', delaySeconds: 60 }]);
    const [kept, leased] = await engine.receiveBatch('jobs', { max: 2 });
    await engine.delete('jobs', kept!.receiptHandle);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 1, inactiveMsgNum: 1, delayMsgNum: 1, rewindMsgNum: 1 });

    expect(await engine.purgeQueue('jobs')).toBe(4);
    expect(await engine.stats('jobs')).toEqual({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0, rewindMsgNum: 0, minMsgTime: null });
    expect(await engine.receive('jobs')).toBeNull();
    await rejectsWith(engine.delete('jobs', leased!.receiptHandle), 'RECEIPT_HANDLE_STALE');
    expect((await engine.getQueue('jobs')).attributes.rewindSeconds).toBe(3600);
    expect(await engine.purgeQueue('jobs')).toBe(0);
    await engine.send('jobs', { body: 'after' });
    expect((await engine.receive('jobs'))!.body).toBe('after');
  });
});
