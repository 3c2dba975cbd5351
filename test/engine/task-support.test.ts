/** What the task framework needs from the engine: cancel by msgId, checkpoints on extend, ms backoff. */
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../core/index.js';
import { testEngine } from '../helpers/engine.js';
import { rejectsWith } from '../helpers/expect.js';

describe('cancelMessage', () => {
  it('removes a message that is not leased, ready or delayed', async () => {
    const { engine } = testEngine();
    await engine.createQueue('q');
    const ready = await engine.send('q', { body: 'r' });
    const delayed = await engine.send('q', { body: 'd', delaySeconds: 60 });
    expect(await engine.cancelMessage('q', ready)).toBe('removed');
    expect(await engine.cancelMessage('q', delayed)).toBe('removed');
    expect(await engine.stats('q')).toMatchObject({ activeMsgNum: 0, delayMsgNum: 0 });
    expect(await engine.cancelMessage('q', ready)).toBe('gone');
  });

  it('tells the holder of a leased message through the cancel event and leaves the lease alone', async () => {
    const { engine } = testEngine();
    await engine.createQueue('q');
    const msgId = await engine.send('q', { body: 'running' });
    const leased = await engine.receive('q');
    const told: unknown[] = [];
    engine.events.on('cancel', (event) => told.push(event));
    expect(await engine.cancelMessage('q', msgId)).toBe('running');
    expect(told).toEqual([{ queue: 'q', msgId }]);
    await engine.delete('q', leased!.receiptHandle);
  });

  describe('a message cancelled while leased ends when its holder lets it go, with a notice to its replyTo', () => {
    async function cancelledWhileLeased() {
      const t = testEngine();
      await t.engine.createQueue('q', { visibilityTimeout: 30 });
      await t.engine.createQueue('replies');
      const msgId = await t.engine.send('q', { body: 'task', replyTo: 'replies', correlationId: 'task-1' });
      const leased = (await t.engine.receive('q'))!;
      expect(await t.engine.cancelMessage('q', msgId)).toBe('running');
      return { ...t, msgId, leased };
    }

    async function expectEndedWithNotice(engine: Engine, msgId: string): Promise<void> {
      expect(await engine.stats('q')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0 });
      expect(await engine.receive('q')).toBeNull();
      const notice = await engine.receive('replies');
      expect(notice).toMatchObject({ correlationId: 'task-1', attributes: { 'spool.event': 'cancelled' } });
      expect(JSON.parse(notice!.body)).toEqual({ event: 'cancelled', msgId, queue: 'q', dequeueCount: 1, correlationId: 'task-1' });
    }

    it('at lease expiry (its holder died or hung)', async () => {
      const { engine, clock, msgId } = await cancelledWhileLeased();
      await clock.advance(30_000);
      await expectEndedWithNotice(engine, msgId);
    });

    it('on release, with or without a delay', async () => {
      const { engine, msgId, leased } = await cancelledWhileLeased();
      await engine.release('q', leased.receiptHandle, 10);
      await expectEndedWithNotice(engine, msgId);
    });

    it('when its delivery is given back unseen', async () => {
      const { engine, msgId, leased } = await cancelledWhileLeased();
      await engine.returnUndelivered('q', [leased.receiptHandle]);
      await expectEndedWithNotice(engine, msgId);
    });

    it('while a holder that settles it settles it as usual, and extending keeps it', async () => {
      const { engine, clock, leased } = await cancelledWhileLeased();
      await engine.changeVisibility('q', leased.receiptHandle, 60);
      await clock.advance(45_000);
      await engine.delete('q', leased.receiptHandle);
      expect(await engine.stats('q')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
      expect(await engine.receive('replies')).toBeNull();
    });
  });

  it('treats a lease that has run out as not leased', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('q', { visibilityTimeout: 5 });
    const msgId = await engine.send('q', { body: 'x' });
    await engine.receive('q');
    await clock.advance(5_000);
    expect(await engine.cancelMessage('q', msgId)).toBe('removed');
  });

  it('refuses a malformed msgId and an unknown queue', async () => {
    const { engine } = testEngine();
    await engine.createQueue('q');
    await rejectsWith(engine.cancelMessage('q', 'abc'), 'INVALID_PARAMETER');
    await rejectsWith(engine.cancelMessage('nope', '1'), 'QUEUE_NOT_FOUND');
  });
});

describe('extend with a new body (checkpoint)', () => {
  it('stores the body with the lease, so the next delivery carries it', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('q', { visibilityTimeout: 10 });
    await engine.send('q', { body: 'step 0' });
    const first = await engine.receive('q');
    await engine.changeVisibility('q', first!.receiptHandle, 10, { body: 'step 3' });
    await clock.advance(10_000);
    const second = await engine.receive('q');
    expect(second).toMatchObject({ body: 'step 3', dequeueCount: 2 });
  });

  it('checks the body like a send, and refuses it with a release', async () => {
    const { engine } = testEngine();
    await engine.createQueue('q', { maxMsgSize: 1024 });
    await engine.send('q', { body: 'x' });
    const m = await engine.receive('q');
    await rejectsWith(engine.changeVisibility('q', m!.receiptHandle, 10, { body: 'y'.repeat(2000) }), 'MESSAGE_TOO_LARGE');
    await rejectsWith(engine.changeVisibility('q', m!.receiptHandle, 0, { body: 'y' }), 'INVALID_PARAMETER');
    const stale = m!.receiptHandle.replace(/\.[0-9a-z]+$/, '.1');
    await rejectsWith(engine.changeVisibility('q', stale, 10, { body: 'y' }), 'RECEIPT_HANDLE_STALE');
  });
});

describe('release with a fractional delay', () => {
  it('delays to the millisecond', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('q');
    await engine.send('q', { body: 'retry' });
    const m = await engine.receive('q');
    await engine.release('q', m!.receiptHandle, 0.25);
    await clock.advance(249);
    expect(await engine.receive('q')).toBeNull();
    await clock.advance(1);
    expect(await engine.receive('q')).toMatchObject({ body: 'retry', dequeueCount: 2 });
    await rejectsWith(engine.release('q', 'nope', -1), 'RECEIPT_HANDLE_INVALID');
  });
});
