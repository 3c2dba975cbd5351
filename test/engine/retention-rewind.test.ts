import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engine.js';
import { rejectsWith } from '../helpers/expect.js';

describe('retention', () => {
  it('removes messages older than msgRetentionSeconds on the sweep, consumed or not', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { msgRetentionSeconds: 60, visibilityTimeout: 600 });
    const t0 = clock.now();
    await engine.send('jobs', { body: 'old ready' });
    await engine.send('jobs', { body: 'old leased', priority: 1 });
    const leased = (await engine.receive('jobs'))!;
    expect(leased.body).toBe('old leased');
    await clock.advance(30_000);
    await engine.send('jobs', { body: 'young' });
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 2, inactiveMsgNum: 1, minMsgTime: t0 });

    await clock.advance(31_000); // 61 s after the first two
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 1, inactiveMsgNum: 0, minMsgTime: t0 + 30_000 });
    await rejectsWith(engine.delete('jobs', leased.receiptHandle), 'RECEIPT_HANDLE_STALE');
    expect((await engine.receiveBatch('jobs')).map((m) => m.body)).toEqual(['young']);

    await clock.advance(30_000);
    expect(await engine.stats('jobs')).toEqual({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0, rewindMsgNum: 0, minMsgTime: null });
  });

  it('applies a shortened retention to messages already stored', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'x' });
    await clock.advance(120_000);
    expect((await engine.stats('jobs')).activeMsgNum).toBe(1);
    await engine.setQueueAttributes('jobs', { msgRetentionSeconds: 60 });
    await clock.advance(1000);
    expect((await engine.stats('jobs')).activeMsgNum).toBe(0);
  });
});

describe('backlog cap (maxMsgHeapNum)', () => {
  it('refuses sends beyond the cap with BACKLOG_FULL and stores nothing', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs', { maxMsgHeapNum: 3 });
    await engine.sendBatch('jobs', [{ body: '1' }, { body: '2' }]);
    await rejectsWith(engine.sendBatch('jobs', [{ body: '3' }, { body: '4' }]), 'BACKLOG_FULL');
    expect((await engine.stats('jobs')).activeMsgNum).toBe(2);
    await engine.send('jobs', { body: '3' });
    const err = await rejectsWith(engine.send('jobs', { body: '4' }), 'BACKLOG_FULL');
    expect(err.message).toContain('maxMsgHeapNum');
    expect((await engine.stats('jobs')).activeMsgNum).toBe(3);
    expect((await engine.receiveBatch('jobs')).map((m) => m.body)).toEqual(['1', '2', '3']);
  });

  it('counts ready, leased and delayed messages; a delete makes room', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs', { maxMsgHeapNum: 3, rewindSeconds: 60 });
    await engine.send('jobs', { body: 'leased' });
    const leased = (await engine.receive('jobs'))!;
    await engine.send('jobs', { body: 'delayed', delaySeconds: 60 });
    await engine.send('jobs', { body: 'ready' });
    await rejectsWith(engine.send('jobs', { body: 'one too many' }), 'BACKLOG_FULL');
    await engine.delete('jobs', leased.receiptHandle);
    // A deleted message kept for rewind does not count.
    expect((await engine.stats('jobs')).rewindMsgNum).toBe(1);
    await engine.send('jobs', { body: 'fits again' });
    await rejectsWith(engine.send('jobs', { body: 'full again' }), 'BACKLOG_FULL');
  });

  it('applies to concurrent sends exactly', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs', { maxMsgHeapNum: 5 });
    const results = await Promise.allSettled(Array.from({ length: 12 }, (_, i) => engine.send('jobs', { body: `m${i}` })));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code)).toEqual(Array(7).fill('BACKLOG_FULL'));
    expect((await engine.stats('jobs')).activeMsgNum).toBe(5);
  });
});

describe('rewind', () => {
  it('makes deleted messages enqueued since a time receivable again, in production order', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { rewindSeconds: 3600 });
    const t0 = clock.now();
    const ids: string[] = [];
    for (const body of ['a', 'b', 'c']) {
      ids.push(await engine.send('jobs', { body, priority: body === 'c' ? 0 : 1 }));
      await clock.advance(10_000);
    }
    for (const m of await engine.receiveBatch('jobs')) await engine.delete('jobs', m.receiptHandle);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0, rewindMsgNum: 3, minMsgTime: null });
    expect(await engine.receive('jobs')).toBeNull();

    expect(await engine.rewind('jobs', t0 + 10_000)).toBe(2);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 2, rewindMsgNum: 1, minMsgTime: t0 + 10_000 });
    const again = await engine.receiveBatch('jobs');
    expect(again.map((m) => [m.msgId, m.body])).toEqual([[ids[1], 'b'], [ids[2], 'c']]);
    for (const m of again) await engine.delete('jobs', m.receiptHandle);

    // A rewind may go back as often as wanted; messages not yet deleted are unaffected.
    await engine.send('jobs', { body: 'd' });
    expect(await engine.rewind('jobs', t0)).toBe(3);
    expect((await engine.receiveBatch('jobs')).map((m) => m.body)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('wakes a waiting consumer', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { rewindSeconds: 60 });
    const t0 = clock.now();
    await engine.send('jobs', { body: 'replay me' });
    await engine.delete('jobs', (await engine.receive('jobs'))!.receiptHandle);
    const polling = engine.receive('jobs', { waitSeconds: 20 });
    await engine.rewind('jobs', t0);
    expect(await polling).toMatchObject({ body: 'replay me' });
  });

  it('forgets deleted messages once rewindSeconds have passed', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { rewindSeconds: 60 });
    const t0 = clock.now();
    await engine.send('jobs', { body: 'x' });
    await engine.delete('jobs', (await engine.receive('jobs'))!.receiptHandle);
    await clock.advance(59_000);
    expect((await engine.stats('jobs')).rewindMsgNum).toBe(1);
    await clock.advance(2000);
    expect((await engine.stats('jobs')).rewindMsgNum).toBe(0);
    await rejectsWith(engine.rewind('jobs', t0), 'REWIND_TIME_INVALID');
    expect(await engine.rewind('jobs', clock.now() - 60_000)).toBe(0);
  });

  it('keeps a deleted message only while a rewind can still reach it (its enqueue time within the window)', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { rewindSeconds: 600 });
    await engine.send('jobs', { body: 'old' });
    await clock.advance(1_000_000); // enqueued 1,000 s ago: before any time a rewind may name
    await engine.send('jobs', { body: 'new' });
    for (const m of await engine.receiveBatch('jobs', { max: 2 })) await engine.delete('jobs', m.receiptHandle);
    await clock.advance(1000); // one sweep
    expect((await engine.stats('jobs')).rewindMsgNum).toBe(1);
    expect(await engine.rewind('jobs', clock.now() - 600_000)).toBe(1);
    expect((await engine.receive('jobs'))?.body).toBe('new');
  });

  it('needs rewindSeconds > 0 (REWIND_NOT_ENABLED)', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'x' });
    await engine.delete('jobs', (await engine.receive('jobs'))!.receiptHandle);
    await rejectsWith(engine.rewind('jobs', clock.now()), 'REWIND_NOT_ENABLED');
    expect((await engine.stats('jobs')).rewindMsgNum).toBe(0);
  });

  it('takes a time within the rewind window (REWIND_TIME_INVALID)', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { rewindSeconds: 60 });
    await clock.advance(120_000);
    await rejectsWith(engine.rewind('jobs', clock.now() + 1), 'REWIND_TIME_INVALID');
    await rejectsWith(engine.rewind('jobs', clock.now() - 60_001), 'REWIND_TIME_INVALID');
    expect(await engine.rewind('jobs', clock.now() - 60_000)).toBe(0);
    expect(await engine.rewind('jobs', clock.now())).toBe(0);
    await rejectsWith(engine.rewind('jobs', 1.5), 'INVALID_PARAMETER');
    await rejectsWith(engine.rewind('jobs', '2026-01-01' as never), 'INVALID_PARAMETER');
    await rejectsWith(engine.rewind('nope', clock.now()), 'QUEUE_NOT_FOUND');
  });
});

describe('stats', () => {
  it("reports CMQ's counts and the oldest message's enqueue time", async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { rewindSeconds: 600 });
    expect(await engine.stats('jobs')).toEqual({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0, rewindMsgNum: 0, minMsgTime: null });
    const t0 = clock.now();
    await engine.sendBatch('jobs', [{ body: 'deleted', priority: 2 }, { body: 'leased', priority: 1 }, { body: 'ready' }]);
    await clock.advance(1000);
    await engine.sendBatch('jobs', [{ body: 'delayed', delaySeconds: 30 }, { body: 'ready 2' }]);
    const [toDelete] = await engine.receiveBatch('jobs', { max: 2 });
    await engine.delete('jobs', toDelete!.receiptHandle);
    expect(await engine.stats('jobs')).toEqual({ activeMsgNum: 2, inactiveMsgNum: 1, delayMsgNum: 1, rewindMsgNum: 1, minMsgTime: t0 });
    await clock.advance(30_000); // the delay and the lease end
    expect(await engine.stats('jobs')).toEqual({ activeMsgNum: 4, inactiveMsgNum: 0, delayMsgNum: 0, rewindMsgNum: 1, minMsgTime: t0 });
  });
});
