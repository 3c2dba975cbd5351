/** What only the remote client has: a WebSocket that comes back by itself, timeouts, local limits. */
import { createServer } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { SpoolClient, SpoolConnectionError, SpoolTimeoutError, type ConnectionStatus, type Delivery } from '../../core/index.js';
import { startTestServer } from '../helpers/server.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { eventually } from '../helpers/ws-broker.js';

const clients: SpoolClient[] = [];
const closers: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const close of closers.splice(0)) await close();
});

function client(url: string, options: Partial<ConstructorParameters<typeof SpoolClient>[0]> = {}): SpoolClient {
  const c = new SpoolClient({ url, reconnect: { initialDelayMs: 20, maxDelayMs: 200 }, ...options });
  clients.push(c);
  return c;
}

describe('remote client connection', () => {
  it('reconnects after a broker restart on the same data dir and resubscribes', async () => {
    const first = await startTestServer();
    const { port } = first;
    const dataDir = first.server.options.dataDir;
    await first.engine.createQueue('jobs', { visibilityTimeout: 3600 });
    const c = client(first.url);
    const statuses: ConnectionStatus['state'][] = [];
    c.events.on('status', (s) => statuses.push(s.state));
    const got: Delivery[] = [];
    await c.subscribe('jobs', { prefetch: 5 }, (m) => {
      got.push(m);
    });
    expect(c.status).toEqual({ state: 'open' });
    await first.engine.send('jobs', { body: 'before' });
    await eventually(() => got.length === 1, 5000, 'first delivery');

    await first.close(); // graceful: releases the unacked message, closes the socket with 1001
    await eventually(() => c.status.state === 'reconnecting', 5000, 'reconnecting');
    const second = await startTestServer({ port, dataDir });
    await eventually(() => c.status.state === 'open', 10_000, 'open again');
    expect(statuses).toEqual(expect.arrayContaining(['connecting', 'open', 'reconnecting']));
    // The released message comes again (durable across the restart), then a new one.
    await eventually(() => got.length === 2, 5000, 'redelivery');
    expect(got[1]).toMatchObject({ body: 'before', dequeueCount: 2 });
    await second.engine.send('jobs', { body: 'after' });
    await eventually(() => got.length === 3, 5000, 'delivery after restart');
    expect(got[2]!.body).toBe('after');
    await got[1]!.ack();
    await got[2]!.ack();
    await rejects(got[0]!.ack(), 'RECEIPT_HANDLE_STALE');
    expect((await second.engine.stats('jobs')).activeMsgNum + (await second.engine.stats('jobs')).inactiveMsgNum).toBe(0);
  });

  it('keeps trying while the broker is down, with growing jittered delays', async () => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as AddressInfo;
    await new Promise((r) => probe.close(r)); // nothing listens there now
    const c = client(`http://127.0.0.1:${port}`);
    const delays: number[] = [];
    c.events.on('status', (s) => {
      if (s.state === 'reconnecting') delays.push(s.delayMs);
    });
    const sent = c.sendWs('jobs', { body: 'x' });
    await eventually(() => delays.length >= 4, 5000, 'four retries');
    expect(delays[3]!).toBeGreaterThan(delays[0]!);
    expect(Math.max(...delays)).toBeLessThanOrEqual(200);
    await c.close();
    expect((await sent.catch((e: unknown) => e) as Error).name).toBe('SpoolClientClosedError');
    // HTTP calls fail at once with a connection error.
    const c2 = client(`http://127.0.0.1:${port}`);
    expect(await c2.send('jobs', { body: 'x' }).catch((e: unknown) => e)).toBeInstanceOf(SpoolConnectionError);
  });

  it('fails a request with SpoolTimeoutError when no reply comes in time', async () => {
    // A WebSocket endpoint that accepts and never answers.
    const server = createServer();
    const wss = new WebSocketServer({ server, path: '/v1/ws' });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((r) => wss.close(r));
      await new Promise((r) => server.close(r));
    });
    const c = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { requestTimeoutMs: 200 });
    const err = await c.sendWs('jobs', { body: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpoolTimeoutError);
  });

  it('drops a socket whose pong is late and reconnects', async () => {
    const server = createServer();
    const wss = new WebSocketServer({ server, path: '/v1/ws', autoPong: false });
    let connections = 0;
    wss.on('connection', () => connections++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    closers.push(async () => {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((r) => wss.close(r));
      await new Promise((r) => server.close(r));
    });
    const c = client(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, { pingIntervalMs: 50 });
    void c.sendWs('jobs', { body: 'x' }).catch(() => {});
    await eventually(() => connections >= 2, 5000, 'a second connection');
  });

  it('refuses locally a frame larger than maxFrameBytes, without dropping the socket', async () => {
    const server = await startTestServer();
    await server.engine.createQueue('jobs');
    const c = client(server.url, { maxFrameBytes: 4096 });
    await rejects(c.sendWs('jobs', { body: 'x'.repeat(5000) }), 'MESSAGE_TOO_LARGE');
    expect(await c.sendWs('jobs', { body: 'small' })).toEqual(expect.any(String));
    // The HTTP side has no such limit.
    expect(await c.send('jobs', { body: 'x'.repeat(5000) })).toEqual(expect.any(String));
  });

  it('rejects a bad URL at construction', () => {
    expect(() => new SpoolClient({ url: 'nope' })).toThrow(/not a valid URL/);
    expect(() => new SpoolClient({ url: 'ftp://x' })).toThrow(/http/);
  });
});

describe('a dropped connection', () => {
  /** A subscriber through a proxy that the test cuts, holding the one message it is pushed. */
  async function holdThroughProxy(options: { keepLeasesOnClose: boolean }) {
    const { url, engine } = await startTestServer(options);
    await engine.createQueue('jobs', { visibilityTimeout: 3600 }); // nothing comes back by expiry here
    const proxy = await startTcpProxy(url);
    closers.push(() => proxy.close());
    const c = client(proxy.url);
    const held: Delivery[] = [];
    await c.subscribe('jobs', { prefetch: 1 }, (m) => {
      held.push(m);
    });
    await engine.send('jobs', { body: 'work' });
    await eventually(() => held.length === 1, 5000, 'the delivery');
    return { url, engine, proxy, c, delivery: held[0]! };
  }

  it("fires the signal of what was pushed on it at once when the broker releases a closed socket's leases", async () => {
    const { url, proxy, delivery } = await holdThroughProxy({ keepLeasesOnClose: false });
    const other: Delivery[] = [];
    await client(url).subscribe('jobs', { prefetch: 1 }, (m) => {
      other.push(m);
    });
    proxy.cut();
    await eventually(() => delivery.signal.aborted, 2000, 'the signal');
    expect(delivery.signal.reason).toBeInstanceOf(SpoolConnectionError);
    expect(delivery.cancelled).toBe(false);
    await rejects(delivery.ack(), 'RECEIPT_HANDLE_STALE');
    // The broker gave the message to the other subscriber at once, not after its hour-long lease.
    await eventually(() => other.length === 1, 5000, 'the redelivery');
    expect(other[0]).toMatchObject({ body: 'work', dequeueCount: 2 });
  });

  it('leaves handlers alone when the broker keeps leases (--keep-leases-on-close): they settle once the socket is back', async () => {
    const { engine, proxy, c, delivery } = await holdThroughProxy({ keepLeasesOnClose: true });
    const states: string[] = [];
    c.events.on('status', (s) => states.push(s.state));
    proxy.cut();
    await eventually(() => states.includes('reconnecting') && c.status.state === 'open', 5000, 'reconnected');
    expect(delivery.signal.aborted).toBe(false);
    await delivery.ack();
    const stats = await engine.stats('jobs');
    expect(stats.activeMsgNum + stats.inactiveMsgNum).toBe(0);
  });
});

async function rejects(promise: Promise<unknown>, code: string): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect((err as { code?: string } | null)?.code, String(err)).toBe(code);
}

describe('a subscription on a queue with messages already waiting', () => {
  it('gets the first delivery once (the subscribe reply and the first push may share one read)', async () => {
    const { url } = await startTestServer();
    const client = new SpoolClient({ url });
    for (let round = 0; round < 5; round++) {
      const queue = `waiting-${round}`;
      await client.createQueue(queue);
      await client.send(queue, { body: 'first' });
      const counts: number[] = [];
      const subscription = await client.subscribe(queue, { prefetch: 1 }, async (delivery) => {
        counts.push(delivery.dequeueCount);
        await delivery.ack();
      });
      await eventually(() => counts.length === 1);
      expect(counts).toEqual([1]);
      await subscription.close();
    }
    await client.close();
  });
});
