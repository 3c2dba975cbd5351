/**
 * The CMQ endpoint's queue actions over real HTTP: CreateQueue, ListQueue, Get/SetQueueAttributes,
 * DeleteQueue, RewindQueue, ListDeadLetterSourceQueues, UnbindDeadLetterQueue; their reply fields,
 * units (seconds) and CMQ's error codes.
 */
import { describe, expect, test } from 'vitest';
import { codes, nowSeconds, startCmqBroker } from './cmq-client.js';

const QUEUE_ID = /^queue-[0-9a-f]{16}$/;

/** A successful reply with a queue's settable attributes: Spool's defaults but for `changed`. */
function withAttributes(changed: Record<string, unknown>): Record<string, unknown> {
  return {
    code: 0, message: '', requestId: expect.any(String), queueId: expect.stringMatching(QUEUE_ID),
    maxMsgHeapNum: 100_000_000, pollingWaitSeconds: 0, visibilityTimeout: 30, maxMsgSize: 1_048_576, msgRetentionSeconds: 345_600, rewindSeconds: 0,
    ...changed,
  };
}

describe('CreateQueue', () => {
  test('answers a queueId that stays the queue’s, and is new for a queue made again under the name', async () => {
    const { cmq } = await startCmqBroker();
    const created = await cmq.call('CreateQueue', { queueName: 'jobs' });
    expect(created.body).toEqual({ code: 0, message: '', requestId: expect.any(String), queueId: expect.stringMatching(QUEUE_ID) });
    const listed = await cmq.call('ListQueue');
    expect(listed.body.queueList).toEqual([{ queueId: created.body.queueId, queueName: 'jobs' }]);
    expect((await cmq.call('GetQueueAttributes', { queueName: 'jobs' })).body.queueId).toBe(created.body.queueId);
    await cmq.call('DeleteQueue', { queueName: 'jobs' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const again = await cmq.call('CreateQueue', { queueName: 'jobs' });
    expect(again.body.queueId).toMatch(QUEUE_ID);
    expect(again.body.queueId).not.toBe(created.body.queueId);
  });

  test('sets the attributes given, in CMQ’s units', async () => {
    const { cmq, engine } = await startCmqBroker();
    const params = { queueName: 'jobs', maxMsgHeapNum: 2_000_000, pollingWaitSeconds: 5, visibilityTimeout: 60, maxMsgSize: 65_536, msgRetentionSeconds: 3600, rewindSeconds: 600 };
    expect((await cmq.call('CreateQueue', params)).body.code).toBe(0);
    const { attributes } = await engine.getQueue('jobs');
    expect(attributes).toMatchObject({ maxMsgHeapNum: 2_000_000, pollingWaitSeconds: 5, visibilityTimeout: 60, maxMsgSize: 65_536, msgRetentionSeconds: 3600, rewindSeconds: 600 });
  });

  test('refuses an existing name, whatever its case and attributes (4000, module 4460)', async () => {
    const { cmq } = await startCmqBroker();
    await cmq.call('CreateQueue', { queueName: 'Jobs' });
    const same = await cmq.call('CreateQueue', { queueName: 'Jobs' });
    expect(same.body).toMatchObject({ code: 4000, message: expect.stringMatching(/^\(4460\)queue is already existed, case insensitive/) });
    expect(codes(await cmq.call('CreateQueue', { queueName: 'jobs', visibilityTimeout: 99 }))).toEqual([4000, 4460]);
    expect((await cmq.call('ListQueue')).body.totalCount).toBe(1);
  });

  test('refuses bad names (10020), values out of CMQ’s ranges (10350), non-integers (10360)', async () => {
    const { cmq } = await startCmqBroker();
    expect(codes(await cmq.call('CreateQueue', { queueName: '1jobs' }))).toEqual([4000, 10020]);
    expect(codes(await cmq.call('CreateQueue', { queueName: 'a'.repeat(81) }))).toEqual([4000, 10020]);
    expect(codes(await cmq.call('CreateQueue', {}))).toEqual([4000, 10390]);
    for (const [name, value] of [
      ['maxMsgHeapNum', 999_999], ['maxMsgHeapNum', 1_000_000_001], ['pollingWaitSeconds', 31], ['visibilityTimeout', 0],
      ['visibilityTimeout', 43_201], ['maxMsgSize', 1023], ['maxMsgSize', 1_048_577], ['msgRetentionSeconds', 59],
      ['msgRetentionSeconds', 1_296_001], ['rewindSeconds', -1],
    ] as const) {
      const reply = await cmq.call('CreateQueue', { queueName: 'jobs', [name]: value });
      expect(codes(reply), `${name}=${value}`).toEqual([4000, 10350]);
      expect(reply.body.message).toContain(name);
    }
    for (const value of ['30s', '1.5', '', '0x10', ' 30']) {
      expect(codes(await cmq.call('CreateQueue', { queueName: 'jobs', visibilityTimeout: value })), JSON.stringify(value)).toEqual([4000, 10360]);
    }
    expect(codes(await cmq.call('CreateQueue', { queueName: 'jobs', msgRetentionSeconds: 600, rewindSeconds: 601 }))).toEqual([4000, 10700]);
    expect((await cmq.call('ListQueue')).body.totalCount).toBe(0);
  });
});

describe('ListQueue', () => {
  test('filters by searchWord (a case-insensitive substring) and pages with offset and limit', async () => {
    const { cmq } = await startCmqBroker();
    for (const name of ['alpha-jobs', 'beta-Jobs', 'gamma', 'jobs-delta']) await cmq.call('CreateQueue', { queueName: name });
    const all = await cmq.call('ListQueue');
    expect(all.body.totalCount).toBe(4);
    expect(all.body.queueList.map((q: { queueName: string }) => q.queueName)).toEqual(['alpha-jobs', 'beta-Jobs', 'gamma', 'jobs-delta']);
    const jobs = await cmq.call('ListQueue', { searchWord: 'JOBS' });
    expect([jobs.body.totalCount, jobs.body.queueList.map((q: { queueName: string }) => q.queueName)]).toEqual([3, ['alpha-jobs', 'beta-Jobs', 'jobs-delta']]);
    const page = await cmq.call('ListQueue', { searchWord: 'jobs', offset: 1, limit: 1 });
    expect([page.body.totalCount, page.body.queueList.map((q: { queueName: string }) => q.queueName)]).toEqual([3, ['beta-Jobs']]);
    const plain = await cmq.call('ListQueue', { offset: 3, limit: 50 });
    expect([plain.body.totalCount, plain.body.queueList.length]).toEqual([4, 1]);
  });

  test('limit is 1-50 (10350) and an offset needs a limit (10390)', async () => {
    const { cmq } = await startCmqBroker();
    expect(codes(await cmq.call('ListQueue', { limit: 51 }))).toEqual([4000, 10350]);
    expect(codes(await cmq.call('ListQueue', { limit: 0 }))).toEqual([4000, 10350]);
    expect(codes(await cmq.call('ListQueue', { offset: -1, limit: 5 }))).toEqual([4000, 10350]);
    expect(codes(await cmq.call('ListQueue', { offset: 2 }))).toEqual([4000, 10390]);
  });

  test('gives at most 20 queues by default', async () => {
    const { cmq, engine } = await startCmqBroker();
    for (let i = 0; i < 25; i++) await engine.createQueue(`q${String(i).padStart(2, '0')}`);
    const reply = await cmq.call('ListQueue');
    expect([reply.body.totalCount, reply.body.queueList.length]).toEqual([25, 20]);
  });
});

describe('GetQueueAttributes', () => {
  test('CMQ’s fields: attributes, times in seconds, and the message counts', async () => {
    const { cmq, engine } = await startCmqBroker();
    const before = nowSeconds();
    await cmq.call('CreateQueue', { queueName: 'jobs', rewindSeconds: 600 });
    await engine.sendBatch('jobs', [{ body: 'a' }, { body: 'b' }, { body: 'c' }, { body: 'later', delaySeconds: 60 }]);
    const [leased] = await engine.receiveBatch('jobs', { max: 2 });
    await engine.delete('jobs', leased!.receiptHandle);
    const reply = await cmq.call('GetQueueAttributes', { queueName: 'jobs' });
    expect(reply.body).toEqual(
      withAttributes({
        rewindSeconds: 600,
        createTime: expect.any(Number),
        lastModifyTime: expect.any(Number),
        activeMsgNum: 1,
        inactiveMsgNum: 1,
        delayMsgNum: 1,
        rewindmsgNum: 1,
        rewindMsgNum: 1,
        minMsgTime: expect.any(Number),
      }),
    );
    expect(reply.body.createTime).toBeGreaterThanOrEqual(before);
    expect(reply.body.createTime).toBeLessThanOrEqual(nowSeconds());
    expect(reply.body.minMsgTime).toBeLessThanOrEqual(1);
    expect(codes(await cmq.call('GetQueueAttributes', { queueName: 'nope' }))).toEqual([4440, 10100]);
  });

  test('minMsgTime is the age in seconds of the oldest message not deleted (0 with none)', async () => {
    const { cmq, engine } = await startCmqBroker();
    await engine.createQueue('jobs');
    expect((await cmq.call('GetQueueAttributes', { queueName: 'jobs' })).body.minMsgTime).toBe(0);
    await engine.send('jobs', { body: 'old' });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // Seconds, not milliseconds.
    const { minMsgTime } = (await cmq.call('GetQueueAttributes', { queueName: 'jobs' })).body;
    expect(minMsgTime).toBeGreaterThanOrEqual(1);
    expect(minMsgTime).toBeLessThan(10);
  });
});

describe('SetQueueAttributes', () => {
  test('changes what is given, keeps the rest, and answers the values as they now are', async () => {
    const { cmq } = await startCmqBroker();
    await cmq.call('CreateQueue', { queueName: 'jobs', visibilityTimeout: 60 });
    const reply = await cmq.call('SetQueueAttributes', { queueName: 'jobs', pollingWaitSeconds: 20 });
    expect(reply.body).toEqual(withAttributes({ pollingWaitSeconds: 20, visibilityTimeout: 60 }));
    expect(codes(await cmq.call('SetQueueAttributes', { queueName: 'jobs', rewindSeconds: 345_601 }))).toEqual([4000, 10700]);
    expect(codes(await cmq.call('SetQueueAttributes', { queueName: 'nope', visibilityTimeout: 5 }))).toEqual([4440, 10100]);
    expect((await cmq.call('GetQueueAttributes', { queueName: 'jobs' })).body.rewindSeconds).toBe(0);
  });
});

describe('DeleteQueue', () => {
  test('deletes the queue; a missing one is 4440', async () => {
    const { cmq } = await startCmqBroker();
    await cmq.call('CreateQueue', { queueName: 'jobs' });
    expect((await cmq.call('DeleteQueue', { queueName: 'jobs' })).body).toEqual({ code: 0, message: '', requestId: expect.any(String) });
    expect(codes(await cmq.call('DeleteQueue', { queueName: 'jobs' }))).toEqual([4440, 10100]);
    expect(codes(await cmq.call('SendMessage', { queueName: 'jobs', msgBody: 'x' }))).toEqual([4440, 10100]);
  });
});

describe('dead-letter policy', () => {
  test('is CMQ’s JSON string, read back as one, listed by ListDeadLetterSourceQueues, removed by UnbindDeadLetterQueue', async () => {
    const { cmq } = await startCmqBroker();
    await cmq.call('CreateQueue', { queueName: 'dlq' });
    const policy = JSON.stringify({ deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 3 });
    expect((await cmq.call('CreateQueue', { queueName: 'jobs', deadLetterPolicy: policy })).body.code).toBe(0);
    const ttl = JSON.stringify({ deadLetterQueue: 'dlq', policy: 1, maxTimeToLive: 300 });
    const set = await cmq.call('CreateQueue', { queueName: 'other', deadLetterPolicy: ttl });
    expect(set.body.code).toBe(0);
    const read = await cmq.call('GetQueueAttributes', { queueName: 'jobs' });
    expect(JSON.parse(read.body.deadLetterPolicy)).toEqual({ deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 3 });
    expect((await cmq.call('GetQueueAttributes', { queueName: 'dlq' })).body.deadLetterPolicy).toBeUndefined();

    const sources = await cmq.call('ListDeadLetterSourceQueues', { deadLetterQueueName: 'dlq' });
    expect(sources.body).toMatchObject({ code: 0, totalCount: 2, queueList: [{ queueId: expect.stringMatching(QUEUE_ID), queueName: 'jobs' }, { queueName: 'other' }] });
    const searched = await cmq.call('ListDeadLetterSourceQueues', { deadLetterQueueName: 'dlq', searchWord: 'OTH' });
    expect(searched.body.queueList.map((q: { queueName: string }) => q.queueName)).toEqual(['other']);
    expect(codes(await cmq.call('ListDeadLetterSourceQueues', { deadLetterQueueName: 'nope' }))).toEqual([4440, 10100]);

    expect(codes(await cmq.call('DeleteQueue', { queueName: 'dlq' }))).toEqual([4000, 10750]);
    const unbound = await cmq.call('UnbindDeadLetterQueue', { queueName: 'jobs' });
    expect(unbound.body).toMatchObject({ code: 0, queueId: expect.stringMatching(QUEUE_ID) });
    expect((await cmq.call('GetQueueAttributes', { queueName: 'jobs' })).body.deadLetterPolicy).toBeUndefined();
    expect(codes(await cmq.call('UnbindDeadLetterQueue', { queueName: 'jobs' }))).toEqual([4000, 10730]);
    expect((await cmq.call('SetQueueAttributes', { queueName: 'other', deadLetterPolicy: '' })).body.deadLetterPolicy).toBeUndefined();
    expect((await cmq.call('DeleteQueue', { queueName: 'dlq' })).body.code).toBe(0);
  });

  test('refusals carry CMQ’s module codes', async () => {
    const { cmq } = await startCmqBroker();
    for (const name of ['dlq', 'src', 'chained']) await cmq.call('CreateQueue', { queueName: name });
    await cmq.call('SetQueueAttributes', { queueName: 'chained', deadLetterPolicy: JSON.stringify({ deadLetterQueue: 'src', policy: 0, maxReceiveCount: 1 }) });
    const set = (policy: unknown) => cmq.call('SetQueueAttributes', { queueName: 'dlq', deadLetterPolicy: typeof policy === 'string' ? policy : JSON.stringify(policy) });
    expect(codes(await set('{not json'))).toEqual([4000, 10710]);
    expect(codes(await set('[1]'))).toEqual([4000, 10710]);
    expect(codes(await set({ policy: 0, maxReceiveCount: 1 }))).toEqual([4000, 10760]);
    expect(codes(await set({ deadLetterQueue: 'x', maxReceiveCount: 1 }))).toEqual([4000, 10770]);
    expect(codes(await set({ deadLetterQueue: 'x', policy: 2 }))).toEqual([4000, 10770]);
    expect(codes(await set({ deadLetterQueue: 'missing', policy: 0, maxReceiveCount: 1 }))).toEqual([4000, 10730]);
    // chained has a policy of its own: no nesting; src is chained's dead-letter queue: neither.
    expect(codes(await set({ deadLetterQueue: 'chained', policy: 0, maxReceiveCount: 1 }))).toEqual([4000, 10740]);
    const srcPolicy = JSON.stringify({ deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 });
    expect(codes(await cmq.call('SetQueueAttributes', { queueName: 'src', deadLetterPolicy: srcPolicy }))).toEqual([4000, 10740]);
    expect(codes(await set({ deadLetterQueue: 'src', policy: 0, maxReceiveCount: 1001 }))).toEqual([4000, 10720]);
    expect(codes(await set({ deadLetterQueue: 'src', policy: 1, maxTimeToLive: 299 }))).toEqual([4000, 10720]);
    for (let i = 0; i < 6; i++) {
      await cmq.call('CreateQueue', { queueName: `s${i}`, deadLetterPolicy: JSON.stringify({ deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 }) });
    }
    const seventh = await cmq.call('CreateQueue', { queueName: 's6', deadLetterPolicy: JSON.stringify({ deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 }) });
    expect(codes(seventh)).toEqual([4000, 10780]);
    expect(codes(await cmq.call('GetQueueAttributes', { queueName: 's6' }))).toEqual([4440, 10100]);
  });
});

describe('RewindQueue', () => {
  test('needs rewindSeconds (6050/10670) and a time within its window (4000/10680), in Unix seconds', async () => {
    const { cmq } = await startCmqBroker();
    await cmq.call('CreateQueue', { queueName: 'plain' });
    expect(codes(await cmq.call('RewindQueue', { queueName: 'plain', startConsumeTime: nowSeconds() }))).toEqual([6050, 10670]);
    await cmq.call('CreateQueue', { queueName: 'jobs', rewindSeconds: 60 });
    expect(codes(await cmq.call('RewindQueue', { queueName: 'jobs', startConsumeTime: nowSeconds() - 120 }))).toEqual([4000, 10680]);
    expect(codes(await cmq.call('RewindQueue', { queueName: 'jobs', startConsumeTime: nowSeconds() + 60 }))).toEqual([4000, 10680]);
    // In milliseconds by mistake: out of range.
    const millis = await cmq.call('RewindQueue', { queueName: 'jobs', startConsumeTime: Date.now() });
    expect(codes(millis)).toEqual([4000, 10350]);
    expect(millis.body.message).toContain('(Unix seconds)');
    expect(codes(await cmq.call('RewindQueue', { queueName: 'jobs' }))).toEqual([4000, 10390]);
    expect((await cmq.call('RewindQueue', { queueName: 'jobs', startConsumeTime: nowSeconds() - 30 })).body.code).toBe(0);
  });
});
