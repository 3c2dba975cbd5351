/** Every request op over a real socket, with its reply and its errors (docs/protocol.md). */
import { describe, expect, it } from 'vitest';
import { RawClient, eventually, startWsBroker } from '../helpers/ws-broker.js';

async function setup() {
  const broker = await startWsBroker();
  await broker.engine.createQueue('jobs');
  await broker.engine.createQueue('replies');
  const client = await RawClient.connect(broker.wsUrl);
  return { broker, client };
}

describe('WebSocket requests', () => {
  it('send: one message or a batch, each reply carrying the request id', async () => {
    const { broker, client } = await setup();
    const one = await client.request('send', { queue: 'jobs', message: { body: 'hello', priority: 2, attributes: { a: 'b' } } }, 'req-1');
    expect(one).toEqual({ id: 'req-1', ok: true, result: { msgId: expect.any(String) } });
    const batch = await client.request('send', { queue: 'jobs', messages: [{ body: 'x' }, { body: 'y' }] }, 42);
    expect(batch.id).toBe(42);
    expect(batch.result!.msgIds).toHaveLength(2);
    expect((await broker.engine.stats('jobs')).activeMsgNum).toBe(3);
  });

  it('send errors: missing queue, bad body, empty and oversized batches, both or neither of message/messages', async () => {
    const { client } = await setup();
    const code = async (fields: Record<string, unknown>) => (await client.request('send', fields)).error?.code;
    expect(await code({ queue: 'nope', message: { body: 'x' } })).toBe('QUEUE_NOT_FOUND');
    expect(await code({ queue: '1bad', message: { body: 'x' } })).toBe('INVALID_NAME');
    expect(await code({ queue: 'jobs', message: { body: '' } })).toBe('INVALID_MESSAGE_BODY');
    expect(await code({ queue: 'jobs', message: { body: 'x', extra: 1 } })).toBe('INVALID_PARAMETER');
    expect(await code({ queue: 'jobs', messages: [] })).toBe('BATCH_EMPTY');
    expect(await code({ queue: 'jobs', messages: Array.from({ length: 17 }, () => ({ body: 'x' })) })).toBe('BATCH_TOO_LARGE');
    expect(await code({ queue: 'jobs', messages: 'x' })).toBe('INVALID_PARAMETER');
    expect(await code({ queue: 'jobs' })).toBe('INVALID_PARAMETER');
    expect(await code({ queue: 'jobs', message: { body: 'x' }, messages: [{ body: 'y' }] })).toBe('INVALID_PARAMETER');
  });

  it('subscribe → deliver → ack; the ack reply lists deleted and failed handles', async () => {
    const { broker, client } = await setup();
    await broker.engine.send('jobs', { body: 'm1' });
    const { subscription } = await client.call('subscribe', { queue: 'jobs', prefetch: 10 });
    expect(subscription).toMatch(/^s\d+$/);
    await client.until(() => client.delivered.length === 1);
    const frame = client.deliverFrames[0]!;
    expect(frame).toMatchObject({ op: 'deliver', subscription, queue: 'jobs' });
    const m = frame.messages[0]!;
    expect(m).toMatchObject({ body: 'm1', dequeueCount: 1, msgId: expect.any(String), receiptHandle: expect.any(String) });
    expect(Object.keys(m).sort()).toEqual(
      ['attributes', 'body', 'correlationId', 'dequeueCount', 'enqueueTime', 'firstDequeueTime', 'msgId', 'nextVisibleTime', 'priority', 'receiptHandle', 'replyTo', 'sourceQueue'].sort(),
    );
    const ack = await client.call('ack', { queue: 'jobs', receiptHandles: [m.receiptHandle, 'garbage'] });
    expect(ack.deleted).toEqual([m.receiptHandle]);
    expect(ack.failed).toEqual([{ receiptHandle: 'garbage', code: 'RECEIPT_HANDLE_INVALID', message: expect.any(String) }]);
    const again = await client.call('ack', { queue: 'jobs', receiptHandles: [m.receiptHandle] });
    expect(again.failed).toEqual([expect.objectContaining({ code: 'RECEIPT_HANDLE_STALE' })]);
    expect((await broker.engine.stats('jobs')).activeMsgNum + (await broker.engine.stats('jobs')).inactiveMsgNum).toBe(0);
  });

  it('subscribe errors: unknown queue, bad prefetch, bad visibilityTimeout', async () => {
    const { client } = await setup();
    const code = async (fields: Record<string, unknown>) => (await client.request('subscribe', fields)).error?.code;
    expect(await code({ queue: 'nope', prefetch: 1 })).toBe('QUEUE_NOT_FOUND');
    expect(await code({ queue: 'jobs', prefetch: 0 })).toBe('INVALID_PARAMETER');
    expect(await code({ queue: 'jobs', prefetch: 10_001 })).toBe('INVALID_PARAMETER');
    expect(await code({ queue: 'jobs', prefetch: 1.5 })).toBe('INVALID_PARAMETER');
    expect(await code({ queue: 'jobs', prefetch: 1, visibilityTimeout: 0 })).toBe('INVALID_PARAMETER');
    expect(await code({ queue: 'jobs' })).toBe('INVALID_PARAMETER');
  });

  it('extend moves the lease end; extend with a stale handle fails and returns the credit', async () => {
    const { broker, client } = await setup();
    await broker.engine.sendBatch('jobs', [{ body: 'a' }, { body: 'b' }]);
    await client.call('subscribe', { queue: 'jobs', prefetch: 1, visibilityTimeout: 5 });
    await client.until(() => client.delivered.length === 1);
    const m = client.delivered[0]!;
    const before = Date.now();
    const extended = await client.call('extend', { queue: 'jobs', receiptHandle: m.receiptHandle, visibilityTimeout: 600 });
    expect(extended.nextVisibleTime).toBeGreaterThanOrEqual(before + 600_000);
    expect((await client.request('extend', { queue: 'jobs', receiptHandle: m.receiptHandle, visibilityTimeout: 0 })).error?.code).toBe('INVALID_PARAMETER');
    // Someone else acks it (the HTTP API would): our handle is now stale, and the credit comes back.
    await broker.engine.delete('jobs', m.receiptHandle);
    const stale = await client.request('extend', { queue: 'jobs', receiptHandle: m.receiptHandle, visibilityTimeout: 60 });
    expect(stale.error?.code).toBe('RECEIPT_HANDLE_STALE');
    await client.until(() => client.delivered.length === 2);
    expect(client.delivered[1]!.body).toBe('b');
  });

  it('release makes the message ready again (with delay), and returns the credit', async () => {
    const { broker, client } = await setup();
    await broker.engine.send('jobs', { body: 'a' });
    await client.call('subscribe', { queue: 'jobs', prefetch: 1 });
    await client.until(() => client.delivered.length === 1);
    expect(await client.call('release', { queue: 'jobs', receiptHandle: client.delivered[0]!.receiptHandle })).toEqual({});
    await client.until(() => client.delivered.length === 2);
    expect(client.delivered[1]).toMatchObject({ body: 'a', dequeueCount: 2 });
    const t0 = Date.now();
    await client.call('release', { queue: 'jobs', receiptHandle: client.delivered[1]!.receiptHandle, delaySeconds: 1 });
    await client.until(() => client.delivered.length === 3);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
    const bad = await client.request('release', { queue: 'jobs', receiptHandle: client.delivered[2]!.receiptHandle, delaySeconds: -1 });
    expect(bad.error?.code).toBe('INVALID_PARAMETER');
    const invalid = await client.request('release', { queue: 'jobs', receiptHandle: 'nope' });
    expect(invalid.error?.code).toBe('RECEIPT_HANDLE_INVALID');
  });

  it('requeue makes a message ready again without counting the delivery, so it never dead-letters', async () => {
    const broker = await startWsBroker();
    await broker.engine.createQueue('dlq');
    await broker.engine.createQueue('jobs', { deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 } });
    const client = await RawClient.connect(broker.wsUrl);
    await broker.engine.send('jobs', { body: 'a' });
    await client.call('subscribe', { queue: 'jobs', prefetch: 1 });
    // Three deliveries given back uncounted: each comes back as the first, and with its credit.
    for (let i = 1; i <= 3; i++) {
      await client.until(() => client.delivered.length === i);
      expect(client.delivered[i - 1]).toMatchObject({ body: 'a', dequeueCount: 1 });
      expect(await client.call('requeue', { queue: 'jobs', receiptHandle: client.delivered[i - 1]!.receiptHandle })).toEqual({});
    }
    await client.until(() => client.delivered.length === 4);
    expect((await broker.engine.stats('dlq')).activeMsgNum).toBe(0);
    const stale = await client.request('requeue', { queue: 'jobs', receiptHandle: client.delivered[0]!.receiptHandle });
    expect(stale.error?.code).toBe('RECEIPT_HANDLE_STALE');
    expect((await client.request('requeue', { queue: 'jobs', receiptHandle: 'nope' })).error?.code).toBe('RECEIPT_HANDLE_INVALID');
    expect((await client.request('requeue', { queue: 'jobs' })).error?.code).toBe('INVALID_PARAMETER');
    // A counted release of the fourth delivery uses up the one receive the policy allows: the next
    // claim (the subscription's push) dead-letters it.
    await client.call('release', { queue: 'jobs', receiptHandle: client.delivered[3]!.receiptHandle });
    await eventually(async () => (await broker.engine.stats('dlq')).activeMsgNum === 1, 3000, 'the message dead-lettered');
    expect(client.delivered).toHaveLength(4);
  });

  it('complete deletes the message and sends the reply atomically; a stale complete sends nothing', async () => {
    const { broker, client } = await setup();
    await broker.engine.send('jobs', { body: 'task', replyTo: 'replies', correlationId: 'c1' });
    await client.call('subscribe', { queue: 'jobs', prefetch: 1 });
    await client.until(() => client.delivered.length === 1);
    const m = client.delivered[0]!;
    expect(m).toMatchObject({ replyTo: 'replies', correlationId: 'c1' });
    const done = await client.call('complete', { queue: 'jobs', receiptHandle: m.receiptHandle, reply: { queue: 'replies', body: 'result', correlationId: 'c1' } });
    expect(done.msgId).toEqual(expect.any(String));
    const [reply] = await broker.engine.receiveBatch('replies', { max: 1 });
    expect(reply).toMatchObject({ body: 'result', correlationId: 'c1' });
    const stale = await client.request('complete', { queue: 'jobs', receiptHandle: m.receiptHandle, reply: { queue: 'replies', body: 'again' } });
    expect(stale.error?.code).toBe('RECEIPT_HANDLE_STALE');
    expect((await client.request('complete', { queue: 'jobs', receiptHandle: m.receiptHandle, reply: 'x' })).error?.code).toBe('INVALID_PARAMETER');
    expect((await client.request('complete', { queue: 'jobs', receiptHandle: m.receiptHandle, reply: { queue: 'nope', body: 'x' } })).error?.code).toBe('REPLY_QUEUE_NOT_FOUND');
    expect((await broker.engine.stats('replies')).activeMsgNum).toBe(0);
  });

  it('credit changes the prefetch (0 pauses); unsubscribe stops pushing and releases leases at once', async () => {
    const { broker, client } = await setup();
    await broker.engine.sendBatch('jobs', Array.from({ length: 10 }, (_, i) => ({ body: `m${i}` })));
    const { subscription } = await client.call('subscribe', { queue: 'jobs', prefetch: 2 });
    await client.until(() => client.delivered.length === 2);
    expect(await client.call('credit', { subscription, prefetch: 5 })).toEqual({});
    await client.until(() => client.delivered.length === 5);
    await client.call('credit', { subscription, prefetch: 0 });
    await client.call('ack', { queue: 'jobs', receiptHandles: client.delivered.map((m) => m.receiptHandle) });
    await new Promise((r) => setTimeout(r, 100));
    expect(client.delivered).toHaveLength(5);
    await client.call('credit', { subscription, prefetch: 3 });
    await client.until(() => client.delivered.length === 8);
    expect((await client.request('credit', { subscription: 'zzz', prefetch: 1 })).error?.code).toBe('INVALID_PARAMETER');
    expect((await client.request('credit', { subscription, prefetch: -1 })).error?.code).toBe('INVALID_PARAMETER');

    expect(await client.call('unsubscribe', { subscription })).toEqual({});
    // Its three leases went back at once: another socket gets them now, long before expiry.
    const other = await RawClient.connect(broker.wsUrl);
    await other.call('subscribe', { queue: 'jobs', prefetch: 10 });
    await other.until(() => other.delivered.length === 5);
    expect((await client.request('unsubscribe', { subscription })).error?.code).toBe('INVALID_PARAMETER');
    expect(client.delivered).toHaveLength(8);
  });
});
