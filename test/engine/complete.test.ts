import { describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../../core/index.js';
import { testEngine } from '../helpers/engine.js';
import { waitingConsumer, type WaitingOptions } from '../helpers/handoff.js';
import { rejectsWith, until } from '../helpers/expect.js';

async function setup() {
  const t = testEngine();
  await t.engine.createQueue('tasks', { visibilityTimeout: 10 });
  await t.engine.createQueue('results');
  const taskId = await t.engine.send('tasks', { body: 'square 7', replyTo: 'results', correlationId: 'task-1' });
  const task = (await t.engine.receive('tasks'))!;
  return { ...t, taskId, task };
}

describe('complete', () => {
  it('deletes the leased message and sends the reply', async () => {
    const { engine, clock, task } = await setup();
    const replyId = await engine.complete('tasks', task.receiptHandle, { queue: 'results', body: '49', correlationId: 'task-1', attributes: { status: 'ok' } });
    expect(await engine.stats('tasks')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
    expect(await engine.receive('results')).toMatchObject({ msgId: replyId, body: '49', correlationId: 'task-1', attributes: { status: 'ok' }, enqueueTime: clock.now() });
    await rejectsWith(engine.delete('tasks', task.receiptHandle), 'RECEIPT_HANDLE_STALE');
  });

  it('with a stale lease sends nothing and changes nothing (RECEIPT_HANDLE_STALE)', async () => {
    const { engine, clock, task } = await setup();
    await clock.advance(10_000);
    const again = (await engine.receive('tasks'))!;
    await rejectsWith(engine.complete('tasks', task.receiptHandle, { queue: 'results', body: 'late' }), 'RECEIPT_HANDLE_STALE');
    expect(await engine.stats('results')).toMatchObject({ activeMsgNum: 0 });
    expect(await engine.stats('tasks')).toMatchObject({ inactiveMsgNum: 1 });
    // The current holder can still complete.
    await engine.complete('tasks', again.receiptHandle, { queue: 'results', body: 'on time' });
    expect((await engine.receiveBatch('results')).map((m) => m.body)).toEqual(['on time']);
  });

  it('after a delete, sends nothing', async () => {
    const { engine, task } = await setup();
    await engine.delete('tasks', task.receiptHandle);
    await rejectsWith(engine.complete('tasks', task.receiptHandle, { queue: 'results', body: 'twice' }), 'RECEIPT_HANDLE_STALE');
    expect((await engine.stats('results')).activeMsgNum).toBe(0);
  });

  it('with a missing reply queue fails with REPLY_QUEUE_NOT_FOUND and the message stays leased', async () => {
    const { engine, clock, task } = await setup();
    await rejectsWith(engine.complete('tasks', task.receiptHandle, { queue: 'gone', body: 'x' }), 'REPLY_QUEUE_NOT_FOUND');
    await rejectsWith(engine.complete('nowhere', task.receiptHandle, { queue: 'results', body: 'x' }), 'QUEUE_NOT_FOUND');
    expect(await engine.stats('tasks')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 1 });
    await clock.advance(9_999);
    expect(await engine.receive('tasks')).toBeNull();
    await engine.delete('tasks', task.receiptHandle);
  });

  it('with an invalid reply fails and the message stays leased', async () => {
    const { engine, task } = await setup();
    await engine.setQueueAttributes('results', { maxMsgSize: 1024 });
    await rejectsWith(engine.complete('tasks', task.receiptHandle, { queue: 'results', body: 'x'.repeat(1025) }), 'MESSAGE_TOO_LARGE');
    await rejectsWith(engine.complete('tasks', task.receiptHandle, { queue: 'results', body: '' }), 'INVALID_MESSAGE_BODY');
    await rejectsWith(engine.complete('tasks', task.receiptHandle, { queue: 'results', body: 'x', colour: 'red' } as never), 'INVALID_PARAMETER');
    await rejectsWith(engine.complete('tasks', task.receiptHandle, { queue: 'bad name', body: 'x' }), 'INVALID_NAME');
    await rejectsWith(engine.complete('tasks', task.receiptHandle, null as never), 'INVALID_PARAMETER');
    await rejectsWith(engine.complete('tasks', task.receiptHandle, { queue: 'results', body: 'x', dedupId: 'once' }), 'INVALID_PARAMETER');
    expect(await engine.stats('tasks')).toMatchObject({ inactiveMsgNum: 1 });
    expect((await engine.stats('results')).activeMsgNum).toBe(0);
    await engine.complete('tasks', task.receiptHandle, { queue: 'results', body: 'fine' });
  });

  it("bypasses the reply queue's backlog cap", async () => {
    const { engine, task } = await setup();
    await engine.setQueueAttributes('results', { maxMsgHeapNum: 1 });
    await engine.send('results', { body: 'fills it' });
    await rejectsWith(engine.send('results', { body: 'no room' }), 'BACKLOG_FULL');
    await engine.complete('tasks', task.receiptHandle, { queue: 'results', body: 'reply' });
    expect((await engine.stats('results')).activeMsgNum).toBe(2);
  });

  it('honours a delay on the reply', async () => {
    const { engine, clock, task } = await setup();
    await engine.complete('tasks', task.receiptHandle, { queue: 'results', body: 'later', delaySeconds: 3 });
    expect(await engine.receive('results')).toBeNull();
    await clock.advance(3000);
    expect((await engine.receive('results'))!.body).toBe('later');
  });

  it('wakes a consumer of the reply queue', async () => {
    const { engine, task } = await setup();
    const replies: ReceivedMessage[] = [];
    engine.consume('results', { prefetch: 1 }, (m) => void replies.push(m));
    await engine.complete('tasks', task.receiptHandle, { queue: 'results', body: 'pushed' });
    await until(() => replies.length === 1, 'the reply');
    expect(replies[0]!.body).toBe('pushed');
  });

  it('both effects survive a restart', async () => {
    const t = await setup();
    const replyId = await t.engine.complete('tasks', t.task.receiptHandle, { queue: 'results', body: 'durable' });
    const { engine } = await t.reopen();
    expect(await engine.stats('tasks')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
    expect(await engine.receive('results')).toMatchObject({ msgId: replyId, body: 'durable' });
  });

  it('on a rewind queue keeps the completed message for rewind', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('tasks', { rewindSeconds: 60 });
    await engine.createQueue('results');
    const t0 = clock.now();
    await engine.send('tasks', { body: 't' });
    await engine.complete('tasks', (await engine.receive('tasks'))!.receiptHandle, { queue: 'results', body: 'r' });
    expect((await engine.stats('tasks')).rewindMsgNum).toBe(1);
    expect(await engine.rewind('tasks', t0)).toBe(1);
  });
});

/**
 * A reply bound for an empty queue with a consumer waiting is stored already leased to it and
 * handed over after the commit, with no claim (core/engine/handoff.ts).
 */
describe('complete hands the reply to a waiting consumer', () => {
  /** A consumer waiting on the empty queue `results`, and two tasks leased from `tasks`. */
  async function waiting(options: WaitingOptions = {}) {
    const rig = await waitingConsumer('results', options);
    await rig.engine.createQueue('tasks', { visibilityTimeout: 60 });
    await rig.engine.sendBatch('tasks', [{ body: 'a' }, { body: 'b' }]);
    const [a, b] = await rig.engine.receiveBatch('tasks', { max: 2 });
    const tasks: [ReceivedMessage, ReceivedMessage] = [a!, b!];
    return { ...rig, replies: rig.received, tasks };
  }

  it('leased at once, a first delivery, and no claim', async () => {
    const { engine, tasks, expectHandedOff } = await waiting();
    const replyId = await engine.complete('tasks', tasks[0].receiptHandle, { queue: 'results', body: 'r', correlationId: 'c1' });
    await expectHandedOff(replyId, { body: 'r', correlationId: 'c1' });
  });

  it('its lease ends like any other: unacked, the reply comes back as its second delivery', async () => {
    const { engine, clock, replies, tasks } = await waiting();
    await engine.complete('tasks', tasks[0].receiptHandle, { queue: 'results', body: 'r' });
    await until(() => replies.length === 1, 'the reply');
    await clock.advance(10_000);
    await until(() => replies.length === 2, 'the reply again');
    expect(replies[1]).toMatchObject({ msgId: replies[0]!.msgId, dequeueCount: 2 });
    await rejectsWith(engine.delete('results', replies[0]!.receiptHandle), 'RECEIPT_HANDLE_STALE');
  });

  it('not beyond the prefetch: without credit the reply waits, ready, until credit returns', async () => {
    const { engine, replies, tasks, claims, releaseHeld } = await waiting({ prefetch: 1, hold: true });
    await engine.send('results', { body: 'holds the only credit' });
    await until(() => replies.length === 1, 'the first message');
    await engine.complete('tasks', tasks[0].receiptHandle, { queue: 'results', body: 'r' });
    expect(await engine.stats('results')).toMatchObject({ activeMsgNum: 1, inactiveMsgNum: 1 });
    expect(replies).toHaveLength(1);
    const before = claims();
    releaseHeld();
    await until(() => replies.length === 2, 'the reply');
    expect(replies[1]).toMatchObject({ body: 'r', dequeueCount: 1 });
    expect(claims()).toBe(before + 1);
  });

  it('a consumer gone before the commit: the reply is given back, ready, its delivery not counted', async () => {
    const { engine, consumer, replies, tasks, beforeStore } = await waiting();
    beforeStore(() => consumer.close());
    await engine.complete('tasks', tasks[0].receiptHandle, { queue: 'results', body: 'r' });
    await until(async () => (await engine.stats('results')).activeMsgNum === 1, 'the reply given back');
    expect(replies).toHaveLength(0);
    expect(await engine.receive('results')).toMatchObject({ body: 'r', dequeueCount: 1 });
  });

  it('a refused complete frees the credit it set aside', async () => {
    const { engine, replies, tasks } = await waiting({ prefetch: 1 });
    await engine.complete('tasks', tasks[0].receiptHandle, { queue: 'results', body: 'r1' });
    await until(() => replies.length === 1, 'the first reply');
    await engine.delete('results', replies[0]!.receiptHandle);
    await rejectsWith(engine.complete('tasks', tasks[0].receiptHandle, { queue: 'results', body: 'again' }), 'RECEIPT_HANDLE_STALE');
    await engine.complete('tasks', tasks[1].receiptHandle, { queue: 'results', body: 'r2' });
    await until(() => replies.length === 2, 'the second reply');
    expect(replies[1]!.body).toBe('r2');
  });
});
