/** Push delivery: credits, fairness across subscribers, and leases going back on disconnect and expiry. */
import { describe, expect, it } from 'vitest';
import { RawClient, eventually, sleep, startWsBroker } from '../helpers/ws-broker.js';

describe('WebSocket push', () => {
  it('never pushes more than the prefetch, and a credit comes back with each ack', async () => {
    const broker = await startWsBroker();
    await broker.engine.createQueue('jobs');
    await broker.engine.sendBatch('jobs', Array.from({ length: 16 }, (_, i) => ({ body: `m${i}` })));
    const client = await RawClient.connect(broker.wsUrl);
    await client.call('subscribe', { queue: 'jobs', prefetch: 3 });
    await client.until(() => client.delivered.length === 3);
    await sleep(100);
    expect(client.delivered).toHaveLength(3);
    let acked = 0;
    while (acked < 16) {
      const pending = client.delivered.slice(acked);
      expect(pending.length).toBeLessThanOrEqual(3);
      await client.call('ack', { queue: 'jobs', receiptHandles: [pending[0]!.receiptHandle] });
      acked++;
      await client.until(() => client.delivered.length === Math.min(16, acked + 3));
    }
    expect(new Set(client.delivered.map((m) => m.body)).size).toBe(16);
  });

  it('several messages ready at once share one deliver frame', async () => {
    const broker = await startWsBroker();
    await broker.engine.createQueue('jobs');
    await broker.engine.sendBatch('jobs', Array.from({ length: 10 }, (_, i) => ({ body: `m${i}` })));
    const client = await RawClient.connect(broker.wsUrl);
    await client.call('subscribe', { queue: 'jobs', prefetch: 100 });
    await client.until(() => client.delivered.length === 10);
    expect(client.deliverFrames.length).toBeLessThan(10);
    expect(client.deliverFrames[0]!.messages.length).toBeGreaterThan(1);
  });

  it('shares a queue fairly among subscribers, each within its prefetch', async () => {
    const broker = await startWsBroker();
    await broker.engine.createQueue('jobs');
    const clients = await Promise.all([0, 1, 2].map(() => RawClient.connect(broker.wsUrl)));
    for (const c of clients) await c.call('subscribe', { queue: 'jobs', prefetch: 5 });
    // 15 messages arrive while all three wait: each gets exactly its prefetch.
    await broker.engine.sendBatch('jobs', Array.from({ length: 15 }, (_, i) => ({ body: `a${i}` })));
    for (const c of clients) await c.until(() => c.delivered.length === 5);
    await sleep(100);
    expect(clients.map((c) => c.delivered.length)).toEqual([5, 5, 5]);
    // Scarce messages: 3 sent one batch at a time go round the subscribers.
    for (const c of clients) await c.call('ack', { queue: 'jobs', receiptHandles: c.delivered.slice(0, 5).map((m) => m.receiptHandle) });
    for (let i = 0; i < 9; i++) await broker.engine.send('jobs', { body: `b${i}` });
    await eventually(() => clients.reduce((n, c) => n + c.delivered.length, 0) === 24, 5000, '24 deliveries');
    const counts = clients.map((c) => c.delivered.length - 5);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(2);
    // No message went to two subscribers.
    const ids = clients.flatMap((c) => c.delivered.map((m) => m.msgId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('different prefetches: a subscriber with more credit takes more, none above its own', async () => {
    const broker = await startWsBroker();
    await broker.engine.createQueue('jobs');
    const small = await RawClient.connect(broker.wsUrl);
    const big = await RawClient.connect(broker.wsUrl);
    await small.call('subscribe', { queue: 'jobs', prefetch: 2 });
    await big.call('subscribe', { queue: 'jobs', prefetch: 8 });
    await broker.engine.sendBatch('jobs', Array.from({ length: 16 }, (_, i) => ({ body: `m${i}` })));
    await eventually(() => small.delivered.length + big.delivered.length === 10, 5000, '10 deliveries');
    await sleep(100);
    expect(small.delivered).toHaveLength(2);
    expect(big.delivered).toHaveLength(8);
  });

  it('a socket that closes gives its leases back at once: another subscriber gets them', async () => {
    const broker = await startWsBroker();
    await broker.engine.createQueue('jobs', { visibilityTimeout: 3600 });
    await broker.engine.sendBatch('jobs', Array.from({ length: 4 }, (_, i) => ({ body: `m${i}` })));
    const first = await RawClient.connect(broker.wsUrl);
    await first.call('subscribe', { queue: 'jobs', prefetch: 10 });
    await first.until(() => first.delivered.length === 4);
    const second = await RawClient.connect(broker.wsUrl);
    await second.call('subscribe', { queue: 'jobs', prefetch: 10 });
    await sleep(50);
    expect(second.delivered).toHaveLength(0);
    const t0 = Date.now();
    first.ws.terminate(); // as a crash would
    await second.until(() => second.delivered.length === 4);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(second.delivered.map((m) => m.dequeueCount)).toEqual([2, 2, 2, 2]);
    expect(broker.ws.stats()).toMatchObject({ connections: 1, leases: 4 });
  });

  it('keepLeasesOnClose leaves a closed socket\'s leases to expire', async () => {
    const broker = await startWsBroker({ ws: { keepLeasesOnClose: true } });
    await broker.engine.createQueue('jobs', { visibilityTimeout: 1 });
    await broker.engine.send('jobs', { body: 'm' });
    const first = await RawClient.connect(broker.wsUrl);
    await first.call('subscribe', { queue: 'jobs', prefetch: 1 });
    await first.until(() => first.delivered.length === 1);
    await first.close();
    const second = await RawClient.connect(broker.wsUrl);
    await second.call('subscribe', { queue: 'jobs', prefetch: 1 });
    await sleep(300);
    expect(second.delivered).toHaveLength(0);
    // Not released: it comes back only when its 1 s lease ends.
    await second.until(() => second.delivered.length === 1, 4000);
    expect(second.delivered[0]!.dequeueCount).toBe(2);
  });

  it('a hung subscriber (never acks) loses the message at lease expiry to another subscriber', async () => {
    const broker = await startWsBroker();
    await broker.engine.createQueue('jobs');
    await broker.engine.send('jobs', { body: 'stuck' });
    const hung = await RawClient.connect(broker.wsUrl);
    await hung.call('subscribe', { queue: 'jobs', prefetch: 1, visibilityTimeout: 1 });
    await hung.until(() => hung.delivered.length === 1);
    const healthy = await RawClient.connect(broker.wsUrl);
    await healthy.call('subscribe', { queue: 'jobs', prefetch: 1, visibilityTimeout: 30 });
    const t0 = Date.now();
    await healthy.until(() => healthy.delivered.length === 1, 5000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    expect(healthy.delivered[0]).toMatchObject({ body: 'stuck', dequeueCount: 2 });
    // The hung one holds its credit (no second push to it), and its late ack is refused as stale.
    expect(hung.delivered).toHaveLength(1);
    const late = await hung.call('ack', { queue: 'jobs', receiptHandles: [hung.delivered[0]!.receiptHandle] });
    expect(late.failed).toEqual([expect.objectContaining({ code: 'RECEIPT_HANDLE_STALE' })]);
    await healthy.call('ack', { queue: 'jobs', receiptHandles: [healthy.delivered[0]!.receiptHandle] });
  });

  it('one socket may hold several subscriptions, on one queue or several', async () => {
    const broker = await startWsBroker();
    await broker.engine.createQueue('a');
    await broker.engine.createQueue('b');
    const client = await RawClient.connect(broker.wsUrl);
    const sa = (await client.call('subscribe', { queue: 'a', prefetch: 5 })).subscription;
    const sb = (await client.call('subscribe', { queue: 'b', prefetch: 5 })).subscription;
    expect(sa).not.toBe(sb);
    await client.call('send', { queue: 'a', message: { body: 'to-a' } });
    await client.call('send', { queue: 'b', message: { body: 'to-b' } });
    await client.until(() => client.delivered.length === 2);
    const bySub = Object.fromEntries(client.deliverFrames.map((f) => [f.subscription, f.messages[0]!.body]));
    expect(bySub).toEqual({ [sa as string]: 'to-a', [sb as string]: 'to-b' });
  });
});
