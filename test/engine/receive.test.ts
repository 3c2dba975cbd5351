import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engine.js';
import { rejectsWith, settle } from '../helpers/expect.js';

describe('receive', () => {
  it("returns CMQ's fields plus attributes, replyTo and correlationId", async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 45 });
    const sentAt = clock.now();
    const msgId = await engine.send('jobs', { body: 'hello', priority: 2, attributes: { a: '1' }, replyTo: 'answers', correlationId: 'c-9' });
    await clock.advance(1500);
    const receivedAt = clock.now();
    const got = await engine.receive('jobs');
    expect(got).toEqual({
      msgId,
      receiptHandle: expect.stringMatching(new RegExp(`^${msgId}\\.[0-9a-z]+$`)) as unknown,
      body: 'hello',
      priority: 2,
      enqueueTime: sentAt,
      nextVisibleTime: receivedAt + 45_000,
      firstDequeueTime: receivedAt,
      dequeueCount: 1,
      attributes: { a: '1' },
      replyTo: 'answers',
      correlationId: 'c-9',
      sourceQueue: null,
    });
  });

  it('returns null (receive) or an empty list (receiveBatch) when nothing is ready', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    expect(await engine.receive('jobs')).toBeNull();
    expect(await engine.receiveBatch('jobs')).toEqual([]);
  });

  it('leases a message: another receive does not get it while the lease lasts', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 30 });
    await engine.send('jobs', { body: 'once' });
    expect(await engine.receive('jobs')).not.toBeNull();
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 1 });
    await clock.advance(29_999);
    expect(await engine.receive('jobs')).toBeNull();
  });

  it('returns what is ready without waiting for max, and at most max', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.sendBatch('jobs', Array.from({ length: 5 }, (_, i) => ({ body: `m${i}` })));
    expect(await engine.receiveBatch('jobs', { max: 2 })).toHaveLength(2);
    expect(await engine.receiveBatch('jobs', { max: 16 })).toHaveLength(3);
    await engine.sendBatch('jobs', Array.from({ length: 16 }, (_, i) => ({ body: `n${i}` })));
    await engine.send('jobs', { body: 'n16' });
    expect(await engine.receiveBatch('jobs')).toHaveLength(16); // default max is 16
    expect(await engine.receiveBatch('jobs')).toHaveLength(1);
  });

  it('rejects max outside 1-16, waitSeconds above 30 and visibilityTimeout outside 1-43200', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'stays' });
    for (const options of [{ max: 0 }, { max: 17 }, { max: 1.5 }, { waitSeconds: 31 }, { waitSeconds: -1 }, { visibilityTimeout: 0 }, { visibilityTimeout: 43_201 }]) {
      await rejectsWith(engine.receiveBatch('jobs', options), 'INVALID_PARAMETER');
    }
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 1, inactiveMsgNum: 0 });
  });

  it('honours a per-call visibilityTimeout', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { visibilityTimeout: 300 });
    await engine.send('jobs', { body: 'short lease' });
    const got = await engine.receive('jobs', { visibilityTimeout: 5 });
    expect(got!.nextVisibleTime).toBe(clock.now() + 5000);
    await clock.advance(4999);
    expect(await engine.receive('jobs')).toBeNull();
    await clock.advance(1);
    expect(await engine.receive('jobs')).toMatchObject({ body: 'short lease', dequeueCount: 2 });
  });
});

describe('long poll', () => {
  it('waits, then resolves as soon as a message is sent (no clock advance needed)', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    let result: unknown = 'pending';
    const polling = engine.receive('jobs', { waitSeconds: 20 }).then((m) => (result = m));
    await settle();
    await new Promise((resolve) => setTimeout(resolve, 20)); // a little real time: still waiting
    expect(result).toBe('pending');

    const startedAt = clock.now();
    const started = performance.now();
    const msgId = await engine.send('jobs', { body: 'wake up' });
    const got = await polling;
    expect(performance.now() - started).toBeLessThan(1000);
    expect(clock.now()).toBe(startedAt);
    expect(got).toMatchObject({ msgId, body: 'wake up', dequeueCount: 1 });
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 1 });
  });

  it('takes a message that is ready when it starts without waiting', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'already here' });
    expect(await engine.receive('jobs', { waitSeconds: 30 })).toMatchObject({ body: 'already here' });
  });

  it('resolves empty when the wait is over', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    let result: unknown = 'pending';
    const polling = engine.receiveBatch('jobs', { waitSeconds: 10, max: 4 }).then((m) => (result = m));
    await clock.advance(9_999);
    expect(result).toBe('pending');
    await clock.advance(1);
    expect(await polling).toEqual([]);
    // A message sent afterwards stays for the next receive.
    await engine.send('jobs', { body: 'later' });
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 1, inactiveMsgNum: 0 });
  });

  it("uses the queue's pollingWaitSeconds by default, and 0 per call returns at once", async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { pollingWaitSeconds: 5 });
    expect(await engine.receive('jobs', { waitSeconds: 0 })).toBeNull();
    let result: unknown = 'pending';
    const polling = engine.receive('jobs').then((m) => (result = m));
    await clock.advance(4_999);
    expect(result).toBe('pending');
    await clock.advance(1);
    expect(await polling).toBeNull();
  });

  it('wakes when a delayed message becomes ready', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'delayed', delaySeconds: 3 });
    let result: unknown = 'pending';
    const polling = engine.receive('jobs', { waitSeconds: 10 }).then((m) => (result = m));
    await clock.advance(2_999);
    expect(result).toBe('pending');
    await clock.advance(1);
    expect(await polling).toMatchObject({ body: 'delayed' });
  });

  it('gives one message to one of two waiting receives; the other keeps waiting', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    const results: unknown[] = [];
    const a = engine.receive('jobs', { waitSeconds: 10 }).then((m) => results.push(m));
    const b = engine.receive('jobs', { waitSeconds: 10 }).then((m) => results.push(m));
    await settle();
    await engine.send('jobs', { body: 'only one' });
    await settle();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ body: 'only one' });
    await clock.advance(10_000);
    await Promise.all([a, b]);
    expect(results).toEqual([expect.objectContaining({ body: 'only one' }), null]);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 1 });
  });

  it('applies its visibilityTimeout to what it receives', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    const polling = engine.receive('jobs', { waitSeconds: 10, visibilityTimeout: 7 });
    await settle();
    await engine.send('jobs', { body: 'x' });
    expect((await polling)!.nextVisibleTime).toBe(clock.now() + 7000);
  });

  it('resolves empty when the engine closes', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const polling = engine.receive('jobs', { waitSeconds: 30 });
    await settle();
    await engine.close();
    expect(await polling).toBeNull();
  });
});

describe('an aborted long poll', () => {
  it('resolves empty at once, and a message sent afterwards is not leased for it', async () => {
    const { engine } = testEngine();
    await engine.createQueue('q');
    const abort = new AbortController();
    const waiting = engine.receiveBatch('q', { waitSeconds: 20, signal: abort.signal });
    abort.abort();
    expect(await waiting).toEqual([]);
    await engine.send('q', { body: 'later' });
    const next = await engine.receive('q');
    expect(next).toMatchObject({ body: 'later', dequeueCount: 1 });
  });
});
