import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engine.js';
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
});
