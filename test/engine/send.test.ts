import { describe, expect, it } from 'vitest';
import { testEngine } from '../helpers/engine.js';
import { rejectsWith } from '../helpers/expect.js';

describe('send', () => {
  it('resolves with a msgId and stores the message ready', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    const msgId = await engine.send('jobs', { body: 'hello' });
    expect(msgId).toMatch(/^[1-9][0-9]*$/);
    expect(await engine.stats('jobs')).toEqual({ activeMsgNum: 1, inactiveMsgNum: 0, delayMsgNum: 0, rewindMsgNum: 0, minMsgTime: clock.now() });
    const got = await engine.receive('jobs');
    expect(got).toMatchObject({ msgId, body: 'hello', enqueueTime: clock.now() });
  });

  it('gives every message its own msgId', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const ids = [await engine.send('jobs', { body: 'a' }), await engine.send('jobs', { body: 'a' }), await engine.send('jobs', { body: 'a' })];
    expect(new Set(ids).size).toBe(3);
  });

  it('round-trips attributes, replyTo and correlationId, with empty defaults', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.send('jobs', {
      body: '{"task":"resize"}',
      attributes: { kind: 'image', 'trace.id': 'abc-123', empty: '', unicode: 'żółw 🐢' },
      replyTo: 'replies',
      correlationId: 'corr-1',
    });
    await engine.send('jobs', { body: 'plain' });
    const [rich, plain] = await engine.receiveBatch('jobs');
    expect(rich).toMatchObject({
      body: '{"task":"resize"}',
      attributes: { kind: 'image', 'trace.id': 'abc-123', empty: '', unicode: 'żółw 🐢' },
      replyTo: 'replies',
      correlationId: 'corr-1',
      sourceQueue: null,
    });
    expect(plain).toMatchObject({ body: 'plain', attributes: {}, replyTo: null, correlationId: null, sourceQueue: null });
  });

  it('keeps bodies exactly, including multi-byte text and astral characters', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const bodies = ['日本語', '🚀'.repeat(100), 'line1\nline2\r\n\ttab', '\u0000nul', ' ', 'x'.repeat(100_000)];
    await engine.sendBatch('jobs', bodies.map((body) => ({ body })));
    expect((await engine.receiveBatch('jobs')).map((m) => m.body)).toEqual(bodies);
  });
});

describe('sendBatch', () => {
  it('stores up to 16 messages in order and returns their msgIds in order', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const ids = await engine.sendBatch('jobs', Array.from({ length: 16 }, (_, i) => ({ body: `m${i}` })));
    expect(ids).toHaveLength(16);
    expect(new Set(ids).size).toBe(16);
    const got = await engine.receiveBatch('jobs', { max: 16 });
    expect(got.map((m) => m.body)).toEqual(Array.from({ length: 16 }, (_, i) => `m${i}`));
    expect(got.map((m) => m.msgId)).toEqual(ids);
  });

  it('rejects an empty batch with BATCH_EMPTY and 17 messages with BATCH_TOO_LARGE, storing nothing', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await rejectsWith(engine.sendBatch('jobs', []), 'BATCH_EMPTY');
    await rejectsWith(engine.sendBatch('jobs', Array.from({ length: 17 }, () => ({ body: 'x' }))), 'BATCH_TOO_LARGE');
    await rejectsWith(engine.sendBatch('jobs', { body: 'x' } as never), 'INVALID_PARAMETER');
    expect((await engine.stats('jobs')).activeMsgNum).toBe(0);
  });

  it('is all or nothing: one bad message stores none of the batch', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs', { maxMsgSize: 1024 });
    await rejectsWith(engine.sendBatch('jobs', [{ body: 'ok' }, { body: 'x'.repeat(1025) }]), 'MESSAGE_TOO_LARGE');
    await rejectsWith(engine.sendBatch('jobs', [{ body: 'ok' }, { body: 'ok', delaySeconds: -1 }]), 'INVALID_PARAMETER');
    await rejectsWith(engine.sendBatch('jobs', [{ body: 'ok' }, { body: '' }]), 'INVALID_MESSAGE_BODY');
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, delayMsgNum: 0 });
    expect(await engine.receive('jobs')).toBeNull();
  });

  it('lets each message of a batch have its own delay and priority', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    await engine.sendBatch('jobs', [{ body: 'later', delaySeconds: 5 }, { body: 'low' }, { body: 'high', priority: 9 }]);
    expect((await engine.receiveBatch('jobs')).map((m) => m.body)).toEqual(['high', 'low']);
    await clock.advance(5000);
    expect((await engine.receiveBatch('jobs')).map((m) => m.body)).toEqual(['later']);
  });
});

describe('delaySeconds', () => {
  it('keeps a delayed message invisible until its delay is over', async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs');
    const sentAt = clock.now();
    const msgId = await engine.send('jobs', { body: 'later', delaySeconds: 10 });
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 0, delayMsgNum: 1, minMsgTime: sentAt });
    expect(await engine.receive('jobs')).toBeNull();

    await clock.advance(9_999);
    expect(await engine.receive('jobs')).toBeNull();

    await clock.advance(1);
    expect(await engine.stats('jobs')).toMatchObject({ activeMsgNum: 1, delayMsgNum: 0 });
    const got = await engine.receive('jobs');
    expect(got).toMatchObject({ msgId, body: 'later', enqueueTime: sentAt, dequeueCount: 1, firstDequeueTime: sentAt + 10_000 });
  });

  it('accepts 0-3600 seconds', async () => {
    const { engine, clock } = testEngine({ sweepIntervalMs: 600_000 });
    await engine.createQueue('jobs');
    await engine.send('jobs', { body: 'max', delaySeconds: 3600 });
    await rejectsWith(engine.send('jobs', { body: 'x', delaySeconds: 3601 }), 'INVALID_PARAMETER');
    await clock.advance(3_599_999);
    expect(await engine.receive('jobs')).toBeNull();
    await clock.advance(1);
    expect((await engine.receive('jobs'))!.body).toBe('max');
  });

  it("uses the queue's delaySeconds when the message gives none", async () => {
    const { engine, clock } = testEngine();
    await engine.createQueue('jobs', { delaySeconds: 5 });
    await engine.send('jobs', { body: 'queue default' });
    await engine.send('jobs', { body: 'immediate', delaySeconds: 0 });
    await engine.send('jobs', { body: 'own delay', delaySeconds: 8 });
    expect((await engine.receiveBatch('jobs')).map((m) => m.body)).toEqual(['immediate']);
    await clock.advance(5000);
    expect((await engine.receiveBatch('jobs')).map((m) => m.body)).toEqual(['queue default']);
    await clock.advance(3000);
    expect((await engine.receiveBatch('jobs')).map((m) => m.body)).toEqual(['own delay']);
  });
});

describe('priority', () => {
  it('delivers the highest priority first, then the oldest', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const sends: [string, number | undefined][] = [
      ['p0-a', undefined],
      ['p5-a', 5],
      ['pm1-a', -1],
      ['p5-b', 5],
      ['p0-b', 0],
      ['pmax', 1_000_000],
      ['pmin', -1_000_000],
    ];
    for (const [body, priority] of sends) await engine.send('jobs', priority === undefined ? { body } : { body, priority });
    const order: string[] = [];
    for (let m = await engine.receive('jobs'); m; m = await engine.receive('jobs')) order.push(m.body);
    expect(order).toEqual(['pmax', 'p5-a', 'p5-b', 'p0-a', 'p0-b', 'pm1-a', 'pmin']);
  });

  it('orders within one batch receive the same way', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    await engine.sendBatch('jobs', [{ body: 'a', priority: 1 }, { body: 'b', priority: 3 }, { body: 'c', priority: 2 }, { body: 'd', priority: 3 }]);
    const got = await engine.receiveBatch('jobs', { max: 3 });
    expect(got.map((m) => [m.body, m.priority])).toEqual([['b', 3], ['d', 3], ['c', 2]]);
  });

  it('accepts integers from -1,000,000 to 1,000,000 only', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    for (const priority of [1_000_001, -1_000_001, 0.5, Number.NaN, '1']) {
      await rejectsWith(engine.send('jobs', { body: 'x', priority: priority as number }), 'INVALID_PARAMETER');
    }
    expect((await engine.stats('jobs')).activeMsgNum).toBe(0);
  });
});

describe('events', () => {
  it('reports sent, received and deleted counts, and a throwing listener breaks nothing', async () => {
    const { engine } = testEngine();
    await engine.createQueue('jobs');
    const seen: string[] = [];
    engine.events.on('sent', ({ queue, count }) => seen.push(`sent ${queue} ${count}`));
    engine.events.on('received', ({ count }) => seen.push(`received ${count}`));
    engine.events.on('deleted', ({ count }) => {
      seen.push(`deleted ${count}`);
      throw new Error('listener bug');
    });
    await engine.sendBatch('jobs', [{ body: 'a' }, { body: 'b' }]);
    const got = await engine.receiveBatch('jobs');
    await engine.deleteBatch('jobs', got.map((m) => m.receiptHandle));
    expect(seen).toEqual(['sent jobs 2', 'received 2', 'deleted 2']);
    expect((await engine.stats('jobs')).inactiveMsgNum).toBe(0);
  });
});
