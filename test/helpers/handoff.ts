/**
 * For the handoff tests (core/engine/handoff.ts): a real engine on a real store whose claims from
 * one queue are counted, to tell a message handed off from one claimed, and whose sends and
 * completes can run a hook on their way to the store (after the engine's handoff decision, before
 * the commit); with a push consumer waiting on that queue, empty.
 */
import { expect } from 'vitest';
import { Engine, FakeClock, type ReceivedMessage } from '../../core/index.js';
import { closeAfterTest, testStore } from './engine.js';
import { until } from './expect.js';

export interface WaitingOptions {
  prefetch?: number;
  /** The handler keeps each message, and its credit, until releaseHeld(). */
  hold?: boolean;
}

export async function waitingConsumer(queue: string, options: WaitingOptions = {}) {
  const store = testStore();
  let claims = 0;
  const claim = store.claim.bind(store);
  store.claim = async (...args) => {
    const claimed = await claim(...args);
    if (args[0] === queue) claims++;
    return claimed;
  };
  let beforeStore = () => {};
  const complete = store.complete.bind(store);
  store.complete = (...args) => {
    beforeStore();
    return complete(...args);
  };
  const enqueue = store.enqueue.bind(store);
  store.enqueue = (...args) => {
    beforeStore();
    return enqueue(...args);
  };
  const clock = new FakeClock();
  const engine = closeAfterTest(new Engine({ store, clock }));
  await engine.createQueue(queue, { visibilityTimeout: 10 });
  const received: ReceivedMessage[] = [];
  const held: (() => void)[] = [];
  const consumer = engine.consume(queue, { prefetch: options.prefetch ?? 2 }, (m) => {
    received.push(m);
    if (options.hold) return new Promise<void>((resolve) => held.push(resolve));
  });
  // The consumer's first claim has found the queue empty.
  await until(() => claims === 1, 'the first claim');
  return {
    engine,
    clock,
    consumer,
    /** Messages the consumer was given, in order. */
    received,
    /** Claims from the queue so far (the first, which found it empty, included). */
    claims: () => claims,
    releaseHeld: () => held.splice(0).forEach((resolve) => resolve()),
    /** Runs `fn` when the next sends and completes reach the store. */
    beforeStore: (fn: () => void) => (beforeStore = fn),
    /**
     * The first message the consumer got (`fields` and its msgId) was handed off: its first
     * delivery, leased since the send, found by no claim; deleting it leaves the queue empty.
     */
    async expectHandedOff(msgId: string, fields: Partial<ReceivedMessage>): Promise<void> {
      await until(() => received.length === 1, 'the message');
      const now = clock.now();
      expect(received[0]).toMatchObject({ ...fields, msgId, dequeueCount: 1, enqueueTime: now, firstDequeueTime: now, nextVisibleTime: now + 10_000 });
      expect(claims).toBe(1);
      expect(await engine.stats(queue)).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 1 });
      await engine.delete(queue, received[0]!.receiptHandle);
      expect(await engine.stats(queue)).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
    },
  };
}
