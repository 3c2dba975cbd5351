import { describe, expect, it } from 'vitest';
import type { DeadLetterNotice, ReceivedMessage } from '../../core/index.js';
import { testEngine } from '../helpers/engine.js';
import { rejectsWith, settle, until } from '../helpers/expect.js';

const EMPTY = { activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0, rewindMsgNum: 0 };

describe('dead letters by receive count (policy 0)', () => {
  it('moves a message after exactly maxReceiveCount deliveries, intact, with its source recorded', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('dlq');
    await engine.createQueue('src', { visibilityTimeout: 10, deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 3 } });
    const sentAt = clock.now();
    const msgId = await engine.send('src', { body: 'poison', priority: 4, attributes: { kind: 'bad' }, correlationId: 'c1' });

    for (let delivery = 1; delivery <= 3; delivery++) {
      const got = await engine.receive('src');
      expect(got).toMatchObject({ msgId, dequeueCount: delivery });
      expect(await engine.stats('dlq')).toMatchObject(EMPTY);
      await clock.advance(10_000);
    }
    // The third lease has ended: the message is in the dead-letter queue, not back in src.
    expect(await engine.receive('src')).toBeNull();
    expect(await engine.stats('src')).toEqual({ ...EMPTY, minMsgTime: null });
    expect(await engine.stats('dlq')).toEqual({ ...EMPTY, activeMsgNum: 1, minMsgTime: sentAt });

    const dead = await engine.receive('dlq');
    expect(dead).toMatchObject({
      msgId,
      body: 'poison',
      priority: 4,
      attributes: { kind: 'bad' },
      correlationId: 'c1',
      enqueueTime: sentAt,
      sourceQueue: 'src',
      // The receive count carries on from the source queue.
      dequeueCount: 4,
    });
    await engine.delete('dlq', dead!.receiptHandle);
  });

  it('does not dead-letter a message deleted on its last allowed delivery', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('dlq');
    await engine.createQueue('src', { visibilityTimeout: 10, deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 2 } });
    await engine.send('src', { body: 'x' });
    await engine.receive('src');
    await clock.advance(10_000);
    const last = (await engine.receive('src'))!;
    expect(last.dequeueCount).toBe(2);
    await engine.delete('src', last.receiptHandle);
    await clock.advance(10_000);
    expect(await engine.stats('dlq')).toMatchObject(EMPTY);
    expect(await engine.stats('src')).toMatchObject(EMPTY);
  });

  it('with maxReceiveCount 1, dead-letters when the first lease ends', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('dlq');
    await engine.createQueue('src', { visibilityTimeout: 10, deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 } });
    await engine.send('src', { body: 'x' });
    await engine.receive('src');
    await clock.advance(10_000);
    expect((await engine.stats('dlq')).activeMsgNum).toBe(1);
  });

  it('dead-letters on a release (nack) of the last allowed delivery, and wakes consumers of the dead-letter queue', async () => {
    const { engine } = testEngine();
    await engine.createQueue('dlq');
    await engine.createQueue('src', { deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 2 } });
    const dead: ReceivedMessage[] = [];
    engine.consume('dlq', { prefetch: 10 }, (m) => void dead.push(m));
    await settle();
    const msgId = await engine.send('src', { body: 'fails twice' });

    const first = (await engine.receive('src'))!;
    await engine.release('src', first.receiptHandle);
    const second = (await engine.receive('src'))!;
    expect(second.dequeueCount).toBe(2);
    await engine.release('src', second.receiptHandle, 60);

    expect(await engine.stats('src')).toMatchObject(EMPTY);
    await until(() => dead.length === 1, 'the dead letter to be pushed');
    expect(dead[0]).toMatchObject({ msgId, sourceQueue: 'src' });
  });

  it('dead-letters on changeVisibility 0 of the last allowed delivery', async () => {
    const { engine } = testEngine();
    await engine.createQueue('dlq');
    await engine.createQueue('src', { deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 } });
    await engine.send('src', { body: 'x' });
    const got = (await engine.receive('src'))!;
    await engine.changeVisibility('src', got.receiptHandle, 0);
    expect((await engine.stats('dlq')).activeMsgNum).toBe(1);
    expect((await engine.stats('src')).activeMsgNum).toBe(0);
  });

  it('ignores a dead-letter queue that exists in name only after unbinding', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('dlq');
    await engine.createQueue('src', { visibilityTimeout: 10, deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 } });
    await engine.setQueueAttributes('src', { deadLetterPolicy: null });
    await engine.send('src', { body: 'x' });
    await engine.receive('src');
    await clock.advance(10_000);
    expect(await engine.receive('src')).toMatchObject({ dequeueCount: 2 });
    expect((await engine.stats('dlq')).activeMsgNum).toBe(0);
  });
});

describe('dead letters by time to live (policy 1)', () => {
  it('moves messages older than maxTimeToLive on the sweep', async () => {
    const { engine, clock } = testEngine({ sweepIntervalMs: 10_000 });
    await engine.createQueue('dlq');
    await engine.createQueue('src', { msgRetentionSeconds: 3600, deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 1, maxTimeToLive: 300 } });
    const sentAt = clock.now();
    const oldId = await engine.send('src', { body: 'old', attributes: { a: 'b' } });
    await clock.advance(100_000);
    const youngId = await engine.send('src', { body: 'young', delaySeconds: 1 });

    await clock.advance(190_000); // 290 s after the first send
    expect(await engine.stats('dlq')).toMatchObject(EMPTY);
    await clock.advance(20_000); // past 300 s, and a sweep has run
    expect(await engine.stats('src')).toMatchObject({ ...EMPTY, activeMsgNum: 1 });
    expect(await engine.stats('dlq')).toMatchObject({ ...EMPTY, activeMsgNum: 1 });
    const old = await engine.receive('dlq');
    expect(old).toMatchObject({ msgId: oldId, body: 'old', attributes: { a: 'b' }, enqueueTime: sentAt, sourceQueue: 'src' });
    await engine.delete('dlq', old!.receiptHandle);

    await clock.advance(100_000);
    expect(await engine.receive('dlq')).toMatchObject({ msgId: youngId, body: 'young', sourceQueue: 'src' });
    expect(await engine.stats('src')).toMatchObject(EMPTY);
  });
});

describe('dead-letter notices', () => {
  it('posts a JSON notice to replyTo when a message is dead-lettered by receive count', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('dlq');
    await engine.createQueue('replies');
    await engine.createQueue('src', { visibilityTimeout: 10, deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 2 } });
    const msgId = await engine.send('src', { body: 'task', replyTo: 'replies', correlationId: 'job-7' });
    await engine.receive('src');
    await clock.advance(10_000);
    await engine.receive('src');
    expect(await engine.receive('replies')).toBeNull();
    await clock.advance(10_000);

    const notice = (await engine.receive('replies'))!;
    expect(notice.correlationId).toBe('job-7');
    expect(notice.attributes).toEqual({ 'spool.event': 'deadLetter' });
    expect(JSON.parse(notice.body) as DeadLetterNotice).toEqual({
      event: 'deadLetter',
      msgId,
      queue: 'src',
      deadLetterQueue: 'dlq',
      reason: 'maxReceiveCount',
      dequeueCount: 2,
      correlationId: 'job-7',
    });
    // The dead letter itself is in the dead-letter queue, not in replies.
    expect(await engine.receive('dlq')).toMatchObject({ msgId, body: 'task', replyTo: 'replies' });
  });

  it('posts a notice with reason maxTimeToLive', async () => {
    const { engine, clock } = testEngine({ sweepIntervalMs: 10_000 });
    await engine.createQueue('dlq');
    await engine.createQueue('replies');
    await engine.createQueue('src', { deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 1, maxTimeToLive: 300 } });
    const msgId = await engine.send('src', { body: 'task', replyTo: 'replies' });
    await clock.advance(310_000);
    const notice = (await engine.receive('replies'))!;
    expect(JSON.parse(notice.body)).toMatchObject({ event: 'deadLetter', msgId, reason: 'maxTimeToLive', dequeueCount: 0, correlationId: null });
  });

  it('delivers the notice to a consumer of replyTo, and bypasses its backlog cap', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('dlq', { maxMsgHeapNum: 1 });
    await engine.createQueue('replies', { maxMsgHeapNum: 1 });
    await engine.send('dlq', { body: 'fills the dead-letter queue' });
    await engine.send('replies', { body: 'fills replies' });
    await engine.createQueue('src', { visibilityTimeout: 10, deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 } });
    await engine.send('src', { body: 'task', replyTo: 'replies' });

    const pushed: ReceivedMessage[] = [];
    engine.consume('replies', { prefetch: 10 }, (m) => void pushed.push(m));
    await until(() => pushed.length === 1, 'the first reply');
    await engine.receive('src');
    await clock.advance(10_000);
    await until(() => pushed.length === 2, 'the notice');
    expect(JSON.parse(pushed[1]!.body)).toMatchObject({ event: 'deadLetter' });
    expect((await engine.stats('dlq')).activeMsgNum).toBe(2);
  });

  it('posts nothing when replyTo names a queue that does not exist', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('dlq');
    await engine.createQueue('src', { visibilityTimeout: 10, deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 } });
    await engine.send('src', { body: 'task', replyTo: 'nowhere' });
    await engine.receive('src');
    await clock.advance(10_000);
    expect((await engine.stats('dlq')).activeMsgNum).toBe(1);
    expect((await engine.listQueues()).total).toBe(2);
  });
});

describe('redrive', () => {
  it('moves dead letters back to their source queues with a fresh receive count', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('dlq');
    const policy = { deadLetterQueue: 'dlq', policy: 0 as const, maxReceiveCount: 1 };
    await engine.createQueue('a', { visibilityTimeout: 10, deadLetterPolicy: policy });
    await engine.createQueue('b', { visibilityTimeout: 10, deadLetterPolicy: policy });
    const idA = await engine.send('a', { body: 'from a', attributes: { x: '1' } });
    const idB = await engine.send('b', { body: 'from b' });
    await engine.receive('a');
    await engine.receive('b');
    await clock.advance(10_000);
    expect((await engine.stats('dlq')).activeMsgNum).toBe(2);

    expect(await engine.redrive('dlq')).toBe(2);
    expect(await engine.stats('dlq')).toMatchObject(EMPTY);
    expect(await engine.receive('a')).toMatchObject({ msgId: idA, body: 'from a', attributes: { x: '1' }, dequeueCount: 1, sourceQueue: null });
    expect(await engine.receive('b')).toMatchObject({ msgId: idB, body: 'from b', dequeueCount: 1, sourceQueue: null });
    expect(await engine.redrive('dlq')).toBe(0);
  });

  it('wakes consumers of the source queue', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('dlq');
    await engine.createQueue('src', { visibilityTimeout: 10, deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 } });
    await engine.send('src', { body: 'again' });
    await engine.receive('src');
    await clock.advance(10_000);
    const pushed: ReceivedMessage[] = [];
    engine.consume('src', { prefetch: 1 }, (m) => void pushed.push(m));
    await settle();
    expect(pushed).toHaveLength(0);
    await engine.redrive('dlq');
    await until(() => pushed.length === 1, 'the redriven message');
    expect(pushed[0]).toMatchObject({ body: 'again', dequeueCount: 1 });
  });

  it('leaves messages whose source queue is gone, and messages sent to the dead-letter queue directly', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('dlq');
    await engine.createQueue('src', { visibilityTimeout: 10, deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 } });
    await engine.send('src', { body: 'orphan' });
    await engine.send('dlq', { body: 'direct' });
    await engine.receive('src');
    await clock.advance(10_000);
    await engine.deleteQueue('src');
    expect(await engine.redrive('dlq')).toBe(0);
    expect((await engine.stats('dlq')).activeMsgNum).toBe(2);
    await rejectsWith(engine.redrive('nope'), 'QUEUE_NOT_FOUND');
  });
});

describe('dead-letter policy rules (CMQ)', () => {
  it('needs the dead-letter queue to exist', async () => {
    const { engine } = testEngine();
    await rejectsWith(engine.createQueue('src', { deadLetterPolicy: { deadLetterQueue: 'missing', policy: 0, maxReceiveCount: 3 } }), 'INVALID_DEAD_LETTER_POLICY');
    await rejectsWith(engine.getQueue('src'), 'QUEUE_NOT_FOUND');
    await engine.createQueue('src');
    await rejectsWith(engine.setQueueAttributes('src', { deadLetterPolicy: { deadLetterQueue: 'missing', policy: 0, maxReceiveCount: 3 } }), 'INVALID_DEAD_LETTER_POLICY');
    await rejectsWith(engine.setQueueAttributes('src', { deadLetterPolicy: { deadLetterQueue: 'src', policy: 0, maxReceiveCount: 3 } }), 'INVALID_DEAD_LETTER_POLICY');
    expect((await engine.getQueue('src')).attributes.deadLetterPolicy).toBeNull();
  });

  it('does not nest: a dead-letter queue has no policy, and a queue with one is no target', async () => {
    const { engine } = testEngine();
    await engine.createQueue('dlq');
    await engine.createQueue('other-dlq');
    await engine.createQueue('src', { deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 3 } });
    // src has a policy, so it cannot be a target.
    await rejectsWith(engine.createQueue('src2', { deadLetterPolicy: { deadLetterQueue: 'src', policy: 0, maxReceiveCount: 3 } }), 'INVALID_DEAD_LETTER_POLICY');
    // dlq serves src, so it cannot get a policy of its own.
    await rejectsWith(engine.setQueueAttributes('dlq', { deadLetterPolicy: { deadLetterQueue: 'other-dlq', policy: 0, maxReceiveCount: 3 } }), 'INVALID_DEAD_LETTER_POLICY');
    expect((await engine.getQueue('dlq')).attributes.deadLetterPolicy).toBeNull();
  });

  it('lets one dead-letter queue serve at most 6 source queues', async () => {
    const { engine } = testEngine();
    await engine.createQueue('dlq');
    const policy = { deadLetterQueue: 'dlq', policy: 0 as const, maxReceiveCount: 3 };
    for (let i = 1; i <= 6; i++) await engine.createQueue(`src${i}`, { deadLetterPolicy: policy });
    await rejectsWith(engine.createQueue('src7', { deadLetterPolicy: policy }), 'INVALID_DEAD_LETTER_POLICY');
    await engine.createQueue('src7');
    await rejectsWith(engine.setQueueAttributes('src7', { deadLetterPolicy: policy }), 'INVALID_DEAD_LETTER_POLICY');
    // A source may change its own policy while the target is full.
    await engine.setQueueAttributes('src1', { deadLetterPolicy: { ...policy, maxReceiveCount: 5 } });
    await engine.setQueueAttributes('src1', { deadLetterPolicy: null });
    await engine.setQueueAttributes('src7', { deadLetterPolicy: policy });
  });

  it('refuses to delete a dead-letter queue in use (QUEUE_IS_DEAD_LETTER_TARGET) until it is unbound', async () => {
    const { engine } = testEngine();
    await engine.createQueue('dlq');
    await engine.createQueue('src', { deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 3 } });
    await engine.send('dlq', { body: 'kept' });
    await rejectsWith(engine.deleteQueue('dlq'), 'QUEUE_IS_DEAD_LETTER_TARGET');
    expect((await engine.stats('dlq')).activeMsgNum).toBe(1);
    await engine.setQueueAttributes('src', { deadLetterPolicy: null });
    await engine.deleteQueue('dlq');
    await rejectsWith(engine.getQueue('dlq'), 'QUEUE_NOT_FOUND');
  });

  it.each([
    ['maxReceiveCount 0', { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 0 }],
    ['maxReceiveCount 1001', { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1001 }],
    ['no maxReceiveCount', { deadLetterQueue: 'dlq', policy: 0 }],
    ['maxTimeToLive 299', { deadLetterQueue: 'dlq', policy: 1, maxTimeToLive: 299 }],
    ['maxTimeToLive 43201', { deadLetterQueue: 'dlq', policy: 1, maxTimeToLive: 43_201 }],
    ['maxTimeToLive not below retention', { deadLetterQueue: 'dlq', policy: 1, maxTimeToLive: 600 }],
    ['policy 2', { deadLetterQueue: 'dlq', policy: 2, maxReceiveCount: 3 }],
    ['no queue', { policy: 0, maxReceiveCount: 3 }],
    ['unknown field', { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 3, extra: 1 }],
    ['text that is not JSON', '{deadLetterQueue: dlq'],
    ['an array', []],
  ])('rejects a policy with %s (INVALID_DEAD_LETTER_POLICY)', async (_, policy) => {
    const { engine } = testEngine();
    await engine.createQueue('dlq');
    await rejectsWith(engine.createQueue('src', { msgRetentionSeconds: 600, deadLetterPolicy: policy as never }), 'INVALID_DEAD_LETTER_POLICY');
    await rejectsWith(engine.getQueue('src'), 'QUEUE_NOT_FOUND');
  });

  it('accepts a policy as CMQ JSON text, and an empty string or null unbinds', async () => {
    const { engine } = testEngine();
    await engine.createQueue('dlq');
    const { queue } = await engine.createQueue('src', { deadLetterPolicy: '{"deadLetterQueue":"dlq","policy":1,"maxTimeToLive":300}' });
    expect(queue.attributes.deadLetterPolicy).toEqual({ deadLetterQueue: 'dlq', policy: 1, maxTimeToLive: 300 });
    expect((await engine.setQueueAttributes('src', { deadLetterPolicy: '' })).attributes.deadLetterPolicy).toBeNull();
  });
});
