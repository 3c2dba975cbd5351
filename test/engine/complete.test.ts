import { describe, expect, it } from 'vitest';
import type { ReceivedMessage } from '../../core/index.js';
import { testEngine } from '../helpers/engine.js';
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

  it('with a missing reply queue fails with QUEUE_NOT_FOUND and the message stays leased', async () => {
    const { engine, clock, task } = await setup();
    await rejectsWith(engine.complete('tasks', task.receiptHandle, { queue: 'gone', body: 'x' }), 'QUEUE_NOT_FOUND');
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
