import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engine.js';
import { rejectsWith } from '../helpers/expect.js';

/** A queue with one message received twice: the first lease expired, the second is current. */
async function leasedTwice() {
  const t = testEngine();
  const { engine, clock } = t;
  await engine.createQueue('jobs', { visibilityTimeout: 10 });
  const msgId = await engine.send('jobs', { body: 'work' });
  const first = (await engine.receive('jobs'))!;
  await clock.advance(10_000);
  const second = (await engine.receive('jobs'))!;
  return { ...t, msgId, first, second };
}

describe('receipt handles', () => {
  it('are new on every delivery', async () => {
    const { msgId, first, second } = await leasedTwice();
    expect(first.msgId).toBe(msgId);
    expect(second.msgId).toBe(msgId);
    expect(second.receiptHandle).not.toBe(first.receiptHandle);
  });

  it('a stale handle cannot delete a message leased again, and changes nothing', async () => {
    const { engine, clock, first, second } = await leasedTwice();
    await rejectsWith(engine.delete('jobs', first.receiptHandle), 'RECEIPT_HANDLE_STALE');
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 1 });
    // The current lease is untouched: not redelivered before its end, and its handle still deletes.
    await clock.advance(9_999);
    expect(await engine.receive('jobs')).toBeNull();
    await engine.delete('jobs', second.receiptHandle);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
  });

  it('a stale handle cannot extend a message leased again', async () => {
    const { engine, clock, first, second } = await leasedTwice();
    await rejectsWith(engine.changeVisibility('jobs', first.receiptHandle, 600), 'RECEIPT_HANDLE_STALE');
    // The current lease still ends when it did.
    await clock.advance(10_000);
    const third = await engine.receive('jobs');
    expect(third).toMatchObject({ msgId: second.msgId, dequeueCount: 3 });
  });

  it('a stale handle cannot release a message leased again', async () => {
    const { engine, first } = await leasedTwice();
    await rejectsWith(engine.release('jobs', first.receiptHandle), 'RECEIPT_HANDLE_STALE');
    await rejectsWith(engine.changeVisibility('jobs', first.receiptHandle, 0), 'RECEIPT_HANDLE_STALE');
    expect(await engine.receive('jobs')).toBeNull();
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 1 });
  });

  it('is stale once its lease has ended, even before anyone receives the message again (CMQ rule)', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 10 });
    await engine.send('jobs', { body: 'work' });
    const got = (await engine.receive('jobs'))!;
    await clock.advance(10_000);
    await rejectsWith(engine.delete('jobs', got.receiptHandle), 'RECEIPT_HANDLE_STALE');
    await rejectsWith(engine.changeVisibility('jobs', got.receiptHandle, 30), 'RECEIPT_HANDLE_STALE');
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 1, inactiveMsgNum: 0 });
  });

  it('is stale after the message is deleted', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'work' });
    const got = (await engine.receive('jobs'))!;
    await engine.delete('jobs', got.receiptHandle);
    await rejectsWith(engine.delete('jobs', got.receiptHandle), 'RECEIPT_HANDLE_STALE');
    await rejectsWith(engine.changeVisibility('jobs', got.receiptHandle, 30), 'RECEIPT_HANDLE_STALE');
    await rejectsWith(engine.release('jobs', got.receiptHandle), 'RECEIPT_HANDLE_STALE');
    expect(await engine.receive('jobs')).toBeNull();
  });

  it("does not work on another queue's message", async () => {
    const { engine } = testEngine();
    await engine.createQueue('a');
    await engine.createQueue('b');
    await engine.send('a', { body: 'for a' });
    const got = (await engine.receive('a'))!;
    await rejectsWith(engine.delete('b', got.receiptHandle), 'RECEIPT_HANDLE_STALE');
    await engine.delete('a', got.receiptHandle);
  });

  it('a malformed handle fails with RECEIPT_HANDLE_INVALID', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'work' });
    await engine.receive('jobs');
    for (const handle of ['', 'garbage', '1', '1.', '.abc', '0.1', '1.ABC', '1.abc.def', '1.zzzzzzzz', ' 1.abc', 42, null]) {
      await rejectsWith(engine.delete('jobs', handle as string), 'RECEIPT_HANDLE_INVALID');
      await rejectsWith(engine.changeVisibility('jobs', handle as string, 10), 'RECEIPT_HANDLE_INVALID');
      await rejectsWith(engine.release('jobs', handle as string), 'RECEIPT_HANDLE_INVALID');
      await rejectsWith(engine.complete('jobs', handle as string, { queue: 'jobs', body: 'r' }), 'RECEIPT_HANDLE_INVALID');
    }
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 1 });
  });
});

describe('deleteBatch', () => {
  it('deletes each current handle and reports each failure with its code', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 10 });
    await engine.sendBatch('jobs', [{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    const old = (await engine.receiveBatch('jobs', { max: 1 }))[0]!;
    await clock.advance(10_000);
    const current = await engine.receiveBatch('jobs', { max: 3 });
    expect(current).toHaveLength(3);
    const [x, y] = current;
    const result = await engine.deleteBatch('jobs', [x!.receiptHandle, 'not-a-handle', old.receiptHandle, y!.receiptHandle]);
    expect(result.deleted).toEqual([x!.receiptHandle, y!.receiptHandle]);
    expect(result.failed).toEqual([
      { receiptHandle: 'not-a-handle', code: 'RECEIPT_HANDLE_INVALID', message: expect.any(String) as unknown },
      { receiptHandle: old.receiptHandle, code: 'RECEIPT_HANDLE_STALE', message: expect.any(String) as unknown },
    ]);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 1 });
  });

  it('takes 1-16 handles', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await rejectsWith(engine.deleteBatch('jobs', []), 'BATCH_EMPTY');
    await rejectsWith(engine.deleteBatch('jobs', Array.from({ length: 17 }, () => '1.a')), 'BATCH_TOO_LARGE');
    const result = await engine.deleteBatch('jobs', Array.from({ length: 16 }, () => '1.a'));
    expect(result.failed).toHaveLength(16);
  });
});

describe('lease expiry', () => {
  it('brings the message back by itself, counting one more delivery', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 10 });
    const msgId = await engine.send('jobs', { body: 'work', attributes: { k: 'v' } });
    const first = (await engine.receive('jobs'))!;
    await clock.advance(9_999);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 1 });
    await clock.advance(1);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 1, inactiveMsgNum: 0 });
    const second = (await engine.receive('jobs'))!;
    expect(second).toMatchObject({ msgId, body: 'work', attributes: { k: 'v' }, dequeueCount: 2, firstDequeueTime: first.firstDequeueTime, enqueueTime: first.enqueueTime });
    expect(second.nextVisibleTime).toBe(clock.now() + 10_000);
    await clock.advance(10_000);
    expect(await engine.receive('jobs')).toMatchObject({ msgId, dequeueCount: 3 });
  });

  it('gives an expired message its queue position back (priority, then age)', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 10 });
    await engine.send('jobs', { body: 'first' });
    await engine.send('jobs', { body: 'second' });
    await engine.receive('jobs', { visibilityTimeout: 1 });
    await clock.advance(1000);
    expect((await engine.receiveBatch('jobs')).map((m) => m.body)).toEqual(['first', 'second']);
  });
});

describe('changeVisibility', () => {
  it('extends a lease: the message is not redelivered before the new time', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 10 });
    await engine.send('jobs', { body: 'slow work' });
    const got = (await engine.receive('jobs'))!;
    await clock.advance(5_000);
    const { nextVisibleTime } = await engine.changeVisibility('jobs', got.receiptHandle, 30);
    expect(nextVisibleTime).toBe(clock.now() + 30_000);
    await clock.advance(29_999); // well past the original lease end
    expect(await engine.receive('jobs')).toBeNull();
    // The same handle still works while the extended lease lasts.
    await engine.changeVisibility('jobs', got.receiptHandle, 10);
    await clock.advance(9_999);
    expect(await engine.receive('jobs')).toBeNull();
    await clock.advance(1);
    expect(await engine.receive('jobs')).toMatchObject({ body: 'slow work', dequeueCount: 2 });
  });

  it('can shorten a lease', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 600 });
    await engine.send('jobs', { body: 'x' });
    const got = (await engine.receive('jobs'))!;
    await engine.changeVisibility('jobs', got.receiptHandle, 2);
    await clock.advance(2000);
    expect(await engine.receive('jobs')).toMatchObject({ body: 'x', dequeueCount: 2 });
  });

  it('with 0 releases the message at once', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 600 });
    await engine.send('jobs', { body: 'give back' });
    const got = (await engine.receive('jobs'))!;
    await engine.changeVisibility('jobs', got.receiptHandle, 0);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 1, inactiveMsgNum: 0 });
    expect(await engine.receive('jobs')).toMatchObject({ body: 'give back', dequeueCount: 2 });
    await rejectsWith(engine.delete('jobs', got.receiptHandle), 'RECEIPT_HANDLE_STALE');
  });

  it('rejects a timeout outside 0-43200 and leaves the lease as it was', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 10 });
    await engine.send('jobs', { body: 'x' });
    const got = (await engine.receive('jobs'))!;
    for (const bad of [-1, 43_201, 1.5, '5']) {
      await rejectsWith(engine.changeVisibility('jobs', got.receiptHandle, bad as number), 'INVALID_PARAMETER');
    }
    await clock.advance(10_000);
    expect(await engine.receive('jobs')).toMatchObject({ dequeueCount: 2 });
  });
});

describe('release', () => {
  it('makes the message ready at once by default', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 600 });
    await engine.send('jobs', { body: 'nack' });
    const got = (await engine.receive('jobs'))!;
    await engine.release('jobs', got.receiptHandle);
    expect(await engine.receive('jobs')).toMatchObject({ body: 'nack', dequeueCount: 2 });
  });

  it('with a delay keeps the message hidden until the delay is over', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 600 });
    await engine.send('jobs', { body: 'backoff' });
    const got = (await engine.receive('jobs'))!;
    await engine.release('jobs', got.receiptHandle, 20);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 1 });
    await rejectsWith(engine.delete('jobs', got.receiptHandle), 'RECEIPT_HANDLE_STALE');
    await clock.advance(19_999);
    expect(await engine.receive('jobs')).toBeNull();
    await clock.advance(1);
    expect(await engine.receive('jobs')).toMatchObject({ body: 'backoff', dequeueCount: 2 });
  });

  it('rejects a delay outside 0-3600 and leaves the lease as it was', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'x' });
    const got = (await engine.receive('jobs'))!;
    await rejectsWith(engine.release('jobs', got.receiptHandle, 3601), 'INVALID_PARAMETER');
    await rejectsWith(engine.release('jobs', got.receiptHandle, -1), 'INVALID_PARAMETER');
    expect(await engine.stats('jobs')).toMatchObject({ inactiveMsgNum: 1 });
    await engine.delete('jobs', got.receiptHandle);
  });
});
