import { describe, expect, it } from 'vitest';
import { Engine, FakeClock, type Consumer, type ReceivedMessage, type SpoolError } from '../../core/index.js';
import { testEngine, testStore } from '../helpers/engine.js';
import { rejectsWith, settle, throwsWith, until } from '../helpers/expect.js';
import { waitingConsumer } from '../helpers/handoff.js';

/** A handler whose calls stay unfinished until the test finishes them. */
function heldHandler() {
  const got: ReceivedMessage[] = [];
  const finishers: (() => void)[] = [];
  const handler = (m: ReceivedMessage) => {
    got.push(m);
    return new Promise<void>((resolve) => finishers.push(resolve));
  };
  return { got, handler, finishOne: () => finishers.shift()!() };
}

describe('consume', () => {
  it('pushes messages already waiting, then each message as it is sent', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'waiting' });
    const got: ReceivedMessage[] = [];
    engine.consume('jobs', { prefetch: 10 }, async (m) => {
      got.push(m);
      await engine.delete('jobs', m.receiptHandle);
    });
    await until(() => got.length === 1, 'the waiting message');
    await engine.send('jobs', { body: 'new' });
    await until(() => got.length === 2, 'the new message');
    await engine.sendBatch('jobs', [{ body: 'b1' }, { body: 'b2', priority: 1 }]);
    await until(() => got.length === 4, 'the batch');
    expect(got.map((m) => m.body)).toEqual(['waiting', 'new', 'b2', 'b1']);
    expect(got[0]).toMatchObject({ dequeueCount: 1, receiptHandle: expect.any(String) as unknown });
    await settle();
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
  });

  it('keeps pushing when a consumer is replaced just as a pump of its queue ends', async () => {
    // Replacing a consumer (a worker changing its prefetch) can land in the instant between a
    // pump's last look at the demand and its end; at some number of microtasks after a delivery
    // it does. Each count is tried.
    for (let hops = 0; hops < 12; hops++) {
      const { engine } = testEngine();
      await engine.createQueue('jobs');
      await engine.sendBatch('jobs', [{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
      const got: string[] = [];
      const take = async (m: ReceivedMessage) => {
        got.push(m.body);
        await engine.delete('jobs', m.receiptHandle);
      };
      const first: Consumer = engine.consume('jobs', { prefetch: 1 }, async (m) => {
        for (let i = 0; i < hops; i++) await null;
        first.close();
        engine.consume('jobs', { prefetch: 2 }, take);
        await take(m);
      });
      await until(() => got.length === 3, `every message, with the consumer replaced ${hops} microtasks after a delivery`);
      expect(got.sort()).toEqual(['a', 'b', 'c']);
    }
  });

  it('pushes a delayed message when its delay is over', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    const got: ReceivedMessage[] = [];
    engine.consume('jobs', { prefetch: 1 }, (m) => void got.push(m));
    await engine.send('jobs', { body: 'later', delaySeconds: 30 });
    await clock.advance(29_999);
    expect(got).toHaveLength(0);
    await clock.advance(1);
    await until(() => got.length === 1, 'the delayed message');
    expect(got[0]!.body).toBe('later');
  });

  it('pushes a message again when its lease expires', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    const got: ReceivedMessage[] = [];
    // The handler returns without deleting: the credit comes back, the lease stays.
    engine.consume('jobs', { prefetch: 1, visibilityTimeout: 10 }, (m) => void got.push(m));
    await engine.send('jobs', { body: 'forgotten' });
    await until(() => got.length === 1, 'the first delivery');
    await clock.advance(9_999);
    expect(got).toHaveLength(1);
    await clock.advance(1);
    await until(() => got.length === 2, 'the redelivery');
    expect(got[1]).toMatchObject({ body: 'forgotten', dequeueCount: 2, nextVisibleTime: clock.now() + 10_000 });
    expect(got[1]!.receiptHandle).not.toBe(got[0]!.receiptHandle);
  });

  it('pushes a released message again, at once or after its delay', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    const got: ReceivedMessage[] = [];
    engine.consume('jobs', { prefetch: 1 }, async (m) => {
      got.push(m);
      if (m.dequeueCount === 1) await engine.release('jobs', m.receiptHandle);
      else if (m.dequeueCount === 2) await engine.release('jobs', m.receiptHandle, 5);
      else await engine.delete('jobs', m.receiptHandle);
    });
    await engine.send('jobs', { body: 'retry me' });
    await until(() => got.length === 2, 'the release to come back');
    await settle();
    expect(got).toHaveLength(2);
    await clock.advance(5000);
    await until(() => got.length === 3, 'the delayed release to come back');
    expect(got.map((m) => m.dequeueCount)).toEqual([1, 2, 3]);
  });

  it('respects prefetch: at most that many unfinished at once', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const held = heldHandler();
    engine.consume('jobs', { prefetch: 2 }, held.handler);
    await engine.sendBatch('jobs', Array.from({ length: 5 }, (_, i) => ({ body: `m${i}` })));
    await until(() => held.got.length === 2, 'two deliveries');
    await settle();
    expect(held.got).toHaveLength(2);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 3, inactiveMsgNum: 2 });

    held.finishOne();
    await until(() => held.got.length === 3, 'a third delivery');
    await settle();
    expect(held.got).toHaveLength(3);
    expect(held.got.map((m) => m.body)).toEqual(['m0', 'm1', 'm2']);
  });

  it('shares a queue fairly across consumers', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const consumers = [heldHandler(), heldHandler(), heldHandler()];
    for (const c of consumers) engine.consume('jobs', { prefetch: 2 }, c.handler);
    await settle();
    await engine.sendBatch('jobs', Array.from({ length: 6 }, (_, i) => ({ body: `m${i}` })));
    await until(() => consumers.every((c) => c.got.length === 2), 'each consumer to get two');
    const bodies = consumers.flatMap((c) => c.got.map((m) => m.body)).sort();
    expect(bodies).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('gives each busy consumer a share of a steady stream', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const counts = [0, 0, 0];
    counts.forEach((_, i) => {
      engine.consume('jobs', { prefetch: 4 }, async (m) => {
        counts[i]!++;
        await engine.delete('jobs', m.receiptHandle);
      });
    });
    await settle();
    for (let batch = 0; batch < 6; batch++) {
      await engine.sendBatch('jobs', Array.from({ length: 10 }, (_, i) => ({ body: `b${batch}-${i}` })));
    }
    await until(() => counts.reduce((a, b) => a + b) === 60, 'all 60 messages');
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(10);
  });

  it('shares with long-poll receives on the same queue', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const held = heldHandler();
    engine.consume('jobs', { prefetch: 1 }, held.handler);
    const polling = engine.receive('jobs', { waitSeconds: 30 });
    await settle();
    await engine.sendBatch('jobs', [{ body: 'a' }, { body: 'b' }]);
    const polled = await polling;
    await until(() => held.got.length === 1, 'the consumer delivery');
    expect([polled!.body, held.got[0]!.body].sort()).toEqual(['a', 'b']);
  });

  it('stops after close(); what it holds can still be finished', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const got: ReceivedMessage[] = [];
    const consumer = engine.consume('jobs', { prefetch: 5 }, (m) => void got.push(m));
    expect(consumer.queue).toBe('jobs');
    await engine.send('jobs', { body: 'before' });
    await until(() => got.length === 1, 'the first message');
    consumer.close();
    consumer.close(); // idempotent
    await engine.send('jobs', { body: 'after' });
    await settle();
    expect(got).toHaveLength(1);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 1, inactiveMsgNum: 1 });
    await engine.delete('jobs', got[0]!.receiptHandle);
    expect((await engine.receive('jobs'))!.body).toBe('after');
  });

  it('leaves the lease to expire when the handler throws, and reports the error', async () => {
    const clock = new FakeClock();
    const errors: SpoolError[] = [];
    const engine = new Engine({ store: testStore(), clock, onError: (e) => errors.push(e) });
    try {
      await engine.createQueue('jobs');
      const got: ReceivedMessage[] = [];
      engine.consume('jobs', { prefetch: 1, visibilityTimeout: 5 }, (m) => {
        got.push(m);
        if (m.dequeueCount === 1) throw new Error('handler bug');
        return engine.delete('jobs', m.receiptHandle);
      });
      await engine.send('jobs', { body: 'x' });
      await until(() => errors.length === 1, 'the error');
      expect(errors[0]).toMatchObject({ code: 'INTERNAL', message: 'handler bug' });
      expect(await engine.stats('jobs')).toMatchObject({ inactiveMsgNum: 1 });
      await clock.advance(5000);
      await until(() => got.length === 2, 'the redelivery');
      await settle();
      expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });

      // A consumer of a queue that does not exist reports QUEUE_NOT_FOUND through onError.
      engine.consume('missing', { prefetch: 1 }, () => {});
      await until(() => errors.length === 2, 'the second error');
      expect(errors[1]!.code).toBe('QUEUE_NOT_FOUND');
    } finally {
      await engine.close();
    }
  });

  it('rejects a bad prefetch, visibilityTimeout or queue name at once', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    for (const prefetch of [0, 10_001, 1.5, '5']) throwsWith(() => engine.consume('jobs', { prefetch: prefetch as number }, () => {}), 'INVALID_PARAMETER');
    for (const visibilityTimeout of [0, 43_201, 2.5]) throwsWith(() => engine.consume('jobs', { prefetch: 1, visibilityTimeout }, () => {}), 'INVALID_PARAMETER');
    throwsWith(() => engine.consume('bad name', { prefetch: 1 }, () => {}), 'INVALID_NAME');
    await engine.close();
    throwsWith(() => engine.consume('jobs', { prefetch: 1 }, () => {}), 'CLOSED');
  });
});

describe('messages claimed for a consumer that left', () => {
  it('come back ready with their delivery uncounted', async () => {
    const { engine } = testEngine();
    await engine.createQueue('q');
    await engine.send('q', { body: 'unseen' });
    const [leased] = await engine.receiveBatch('q', { max: 1 });
    await engine.returnUndelivered('q', [leased!.receiptHandle]);
    const again = await engine.receive('q');
    expect(again).toMatchObject({ body: 'unseen', dequeueCount: 1 });
    expect((await engine.stats('q')).inactiveMsgNum).toBe(1);
    // The old handle is no longer a lease.
    await expect(engine.delete('q', leased!.receiptHandle)).rejects.toMatchObject({ code: 'RECEIPT_HANDLE_STALE' });
  });
});

/**
 * A message sent to an empty queue with a consumer waiting is stored already leased to it and
 * handed over after the commit, with no claim (core/engine/handoff.ts).
 */
describe('a send hands messages to a waiting consumer', () => {
  it('leased at once, a first delivery, and no claim', async () => {
    const { engine, expectHandedOff } = await waitingConsumer('q');
    const msgId = await engine.send('q', { body: 'm', attributes: { k: 'v' } });
    await expectHandedOff(msgId, { body: 'm', attributes: { k: 'v' } });
  });

  it('a batch beyond the credit: the highest priorities are handed over, the rest claimed after them', async () => {
    const { engine, received, releaseHeld } = await waitingConsumer('q', { prefetch: 2, hold: true });
    await engine.sendBatch('q', [
      { body: 'p0', priority: 0 },
      { body: 'p5 first', priority: 5 },
      { body: 'p1', priority: 1 },
      { body: 'p5 second', priority: 5 },
    ]);
    await until(() => received.length === 2, 'two messages');
    expect(received.map((m) => m.body)).toEqual(['p5 first', 'p5 second']);
    expect(await engine.stats('q')).toMatchObject({ activeMsgNum: 2, inactiveMsgNum: 2 });
    releaseHeld();
    await until(() => received.length === 4, 'the other two');
    expect(received.slice(2).map((m) => m.body)).toEqual(['p1', 'p0']);
  });

  it('a message with a dedupId is claimed as usual, and its duplicate stores nothing', async () => {
    const { engine, received, claims } = await waitingConsumer('q');
    const first = await engine.send('q', { body: 'once', dedupId: 'd1' });
    await until(() => received.length === 1, 'the message');
    expect(claims()).toBeGreaterThan(1);
    expect(await engine.send('q', { body: 'once', dedupId: 'd1' })).toBe(first);
    expect(await engine.stats('q')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 1 });
    expect(received).toHaveLength(1);
  });

  it('a refused send frees the credit it set aside', async () => {
    const { engine, received } = await waitingConsumer('q', { prefetch: 2, hold: true });
    await engine.setQueueAttributes('q', { maxMsgHeapNum: 1 });
    await engine.send('q', { body: 'fills the backlog' });
    await until(() => received.length === 1, 'the first message');
    await rejectsWith(engine.send('q', { body: 'no room' }), 'BACKLOG_FULL');
    await engine.delete('q', received[0]!.receiptHandle);
    await engine.send('q', { body: 'room again' });
    await until(() => received.length === 2, 'the second message');
    expect(received[1]!.body).toBe('room again');
  });
});
