import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engine.js';
import { rejectsWith } from '../helpers/expect.js';

const FIVE_MINUTES = 5 * 60_000;

describe('deduplication', () => {
  it('returns the first msgId for the same dedupId within 5 minutes and stores nothing', async () => {
    const { engine, clock } = testEngine({ sweepIntervalMs: 60_000 });
    await engine.createQueue('jobs');
    const first = await engine.send('jobs', { body: 'charge card', dedupId: 'order-1' });
    await clock.advance(FIVE_MINUTES - 1);
    expect(await engine.send('jobs', { body: 'charge card again', dedupId: 'order-1' })).toBe(first);
    expect((await engine.stats('jobs')).activeMsgNum).toBe(1);
    expect((await engine.receiveBatch('jobs')).map((m) => m.body)).toEqual(['charge card']);
  });

  it('stores a new message once the 5 minutes are over', async () => {
    const { engine, clock } = testEngine({ sweepIntervalMs: 60_000 });
    await engine.createQueue('jobs');
    const first = await engine.send('jobs', { body: 'one', dedupId: 'd' });
    await clock.advance(FIVE_MINUTES);
    const second = await engine.send('jobs', { body: 'two', dedupId: 'd' });
    expect(second).not.toBe(first);
    expect((await engine.stats('jobs')).activeMsgNum).toBe(2);
    // The window starts again from the new message.
    await clock.advance(FIVE_MINUTES - 1);
    expect(await engine.send('jobs', { body: 'three', dedupId: 'd' })).toBe(second);
  });

  it('remembers the id after the first message is deleted', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const first = await engine.send('jobs', { body: 'once', dedupId: 'd' });
    await engine.delete('jobs', (await engine.receive('jobs'))!.receiptHandle);
    expect(await engine.send('jobs', { body: 'once', dedupId: 'd' })).toBe(first);
    expect(await engine.receive('jobs')).toBeNull();
  });

  it('dedups within one batch', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const ids = await engine.sendBatch('jobs', [{ body: 'a', dedupId: 'x' }, { body: 'b' }, { body: 'a again', dedupId: 'x' }, { body: 'c', dedupId: 'y' }]);
    expect(ids[2]).toBe(ids[0]);
    expect(new Set(ids).size).toBe(3);
    expect((await engine.receiveBatch('jobs')).map((m) => m.body)).toEqual(['a', 'b', 'c']);
  });

  it('is per queue, and messages without a dedupId are never deduplicated', async () => {
    const { engine } = testEngine();
    await engine.createQueue('a');
    await engine.createQueue('b');
    const inA = await engine.send('a', { body: 'x', dedupId: 'same' });
    const inB = await engine.send('b', { body: 'x', dedupId: 'same' });
    expect(inB).not.toBe(inA);
    await engine.send('a', { body: 'x' });
    await engine.send('a', { body: 'x' });
    expect((await engine.stats('a')).activeMsgNum).toBe(3);
  });

  it('forgets ids when the queue is purged', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const first = await engine.send('jobs', { body: 'x', dedupId: 'd' });
    await engine.purgeQueue('jobs');
    expect(await engine.send('jobs', { body: 'x', dedupId: 'd' })).not.toBe(first);
  });

  it('survives a restart', async () => {
    const t = testEngine();
    await t.engine.createQueue('jobs');
    const first = await t.engine.send('jobs', { body: 'x', dedupId: 'd' });
    const { engine } = await t.reopen();
    expect(await engine.send('jobs', { body: 'x', dedupId: 'd' })).toBe(first);
    expect((await engine.stats('jobs')).activeMsgNum).toBe(1);
  });

  it('returns the first msgId to a retry even when the queue is full (the retry stores nothing)', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs', { maxMsgHeapNum: 2 });
    const first = await engine.send('jobs', { body: 'x', dedupId: 'd1' });
    const second = await engine.send('jobs', { body: 'y', dedupId: 'd2' });
    expect(await engine.send('jobs', { body: 'x', dedupId: 'd1' })).toBe(first);
    expect(await engine.sendBatch('jobs', [{ body: 'y', dedupId: 'd2' }, { body: 'x', dedupId: 'd1' }])).toEqual([second, first]);
    await rejectsWith(engine.sendBatch('jobs', [{ body: 'x', dedupId: 'd1' }, { body: 'new' }]), 'BACKLOG_FULL');
    expect((await engine.stats('jobs')).activeMsgNum).toBe(2);
  });

  it('counts duplicates within one batch once against the backlog cap', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs', { maxMsgHeapNum: 1 });
    const ids = await engine.sendBatch('jobs', [{ body: 'x', dedupId: 'd' }, { body: 'x', dedupId: 'd' }]);
    expect(ids[1]).toBe(ids[0]);
    expect((await engine.stats('jobs')).activeMsgNum).toBe(1);
  });

  it('takes a dedupId of 1-128 characters', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'x', dedupId: 'd'.repeat(128) });
    for (const dedupId of ['', 'd'.repeat(129), 5, '\uD800']) {
      await rejectsWith(engine.send('jobs', { body: 'x', dedupId: dedupId as string }), 'INVALID_PARAMETER');
    }
    expect((await engine.stats('jobs')).activeMsgNum).toBe(1);
  });
});
