/** The edge of the WebSocket endpoint: bad frames, limits, liveness, backpressure and shutdown. */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RawClient, eventually, sleep, startWsBroker } from '../helpers/ws-broker.js';

describe('WebSocket bad frames', () => {
  it('answers each bad frame with INVALID_PARAMETER and keeps serving', async () => {
    const broker = await startWsBroker();
    await broker.engine.createQueue('jobs');
    const client = await RawClient.connect(broker.wsUrl);
    const bad: [string | Buffer, boolean, number | string | null][] = [
      ['not json', false, null],
      ['[1,2]', false, null],
      ['"str"', false, null],
      ['null', false, null],
      ['{"op":"send"}', false, null],
      ['{"id":0,"op":"send"}', false, null],
      ['{"id":1.5,"op":"send"}', false, null],
      ['{"id":-3,"op":"send"}', false, null],
      [`{"id":"${'x'.repeat(65)}","op":"send"}`, false, null],
      ['{"id":"","op":"send"}', false, null],
      ['{"id":{},"op":"send"}', false, null],
      ['{"id":9007199254740992,"op":"send"}', false, null],
      ['{"id":1,"op":"explode"}', false, 1],
      ['{"id":2}', false, 2],
      ['{"id":3,"op":"send","queue":"jobs","message":{"body":"x"},"extra":true}', false, 3],
      ['{"id":4,"op":"send","queue":7,"message":{"body":"x"}}', false, 4],
      ['{"id":5,"op":"send","queue":"jobs","message":{"body":"x","__proto__":{"polluted":1}}}', false, 5],
      ['{"id":6,"op":"subscribe","queue":"jobs","prefetch":"10"}', false, 6],
      ['{"id":7,"op":"ack","queue":"jobs","receiptHandles":"x"}', false, 7],
      ['{"id":8,"op":"complete","queue":"jobs","receiptHandle":"1.a","reply":[1]}', false, 8],
      [`{"id":9,"op":"send","queue":"jobs","message":{"body":"x","attributes":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}}`, false, 9],
      [`${'['.repeat(100_000)}${']'.repeat(100_000)}`, false, null],
      ['{"id":10,"__proto__":{"op":"send"}}', false, 10],
      [Buffer.from('{"id":11,"op":"send"}'), true, null],
    ];
    for (const [frame, binary] of bad) client.sendRaw(frame, binary);
    await client.until(() => client.replies.length === bad.length);
    // Frames that reach the engine may be answered later than the others: compare as multisets.
    const order = (ids: unknown[]) => ids.map((id) => JSON.stringify(id)).sort();
    expect(order(client.replies.map((r) => r.id))).toEqual(order(bad.map(([, , id]) => id)));
    for (const reply of client.replies) {
      expect(reply.ok).toBe(false);
      expect(reply.error?.code, JSON.stringify(reply)).toBe('INVALID_PARAMETER');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((await client.call('send', { queue: 'jobs', message: { body: 'still fine' } })).msgId).toEqual(expect.any(String));
    expect((await broker.engine.stats('jobs')).activeMsgNum).toBe(1);
  });

  it('a second request with an id still awaiting its reply is refused; the first is answered once', async () => {
    const broker = await startWsBroker();
    await broker.engine.createQueue('jobs');
    const client = await RawClient.connect(broker.wsUrl);
    client.sendRaw(JSON.stringify({ id: 'dup', op: 'send', queue: 'jobs', message: { body: 'a' } }));
    client.sendRaw(JSON.stringify({ id: 'dup', op: 'send', queue: 'jobs', message: { body: 'b' } }));
    await client.until(() => client.replies.length === 2);
    expect(client.replies.map((r) => r.ok).sort()).toEqual([false, true]);
    expect(client.replies.find((r) => !r.ok)!.error!.message).toMatch(/already awaiting/);
    expect((await broker.engine.stats('jobs')).activeMsgNum).toBe(1);
  });

  it('a frame above maxPayload closes the socket with 1009; other clients are not disturbed', async () => {
    const broker = await startWsBroker({ ws: { maxPayloadBytes: 64 * 1024 } });
    await broker.engine.createQueue('jobs');
    const bystander = await RawClient.connect(broker.wsUrl);
    const client = await RawClient.connect(broker.wsUrl);
    client.sendRaw(JSON.stringify({ id: 1, op: 'send', queue: 'jobs', message: { body: 'x'.repeat(70 * 1024) } }));
    expect(await client.closed).toBe(1009);
    expect((await bystander.call('send', { queue: 'jobs', message: { body: 'ok' } })).msgId).toEqual(expect.any(String));
  });

  it('invalid UTF-8 in a text frame closes the socket with 1007', async () => {
    const broker = await startWsBroker();
    const client = await RawClient.connect(broker.wsUrl);
    client.sendRaw(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), false);
    expect(await client.closed).toBe(1007);
    expect(broker.ws.connectionCount()).toBe(0);
  });

  it('keeps answering when a client pipelines far more requests than the outstanding cap', async () => {
    const broker = await startWsBroker({ ws: { maxOutstandingRequests: 4 } });
    await broker.engine.createQueue('jobs');
    const client = await RawClient.connect(broker.wsUrl);
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => client.request('send', { queue: 'jobs', message: { body: `m${i}` } })));
    expect(replies.every((r) => r.ok)).toBe(true);
    expect((await broker.engine.stats('jobs')).activeMsgNum).toBe(200);
  });
});

describe('WebSocket upgrade', () => {
  it('serves /v1/ws only (404 elsewhere) and refuses sockets above maxConnections with 503', async () => {
    const broker = await startWsBroker({ ws: { maxConnections: 2 } });
    const status = async (url: string) => {
      const ws = new WebSocket(url);
      const [, res] = (await Promise.race([once(ws, 'unexpected-response'), once(ws, 'open').then(() => [null, { statusCode: 101 }])])) as [unknown, { statusCode: number }];
      ws.terminate();
      return res.statusCode;
    };
    expect(await status(`ws://127.0.0.1:${broker.port}/v1/other`)).toBe(404);
    await RawClient.connect(broker.wsUrl);
    await RawClient.connect(`${broker.wsUrl}?client=2`);
    expect(await status(broker.wsUrl)).toBe(503);
    expect(broker.ws.connectionCount()).toBe(2);
  });
});

describe('WebSocket liveness', () => {
  it('terminates a peer that does not answer pings, and gives its leases back', async () => {
    const broker = await startWsBroker({ ws: { pingIntervalMs: 100 } });
    await broker.engine.createQueue('jobs', { visibilityTimeout: 3600 });
    await broker.engine.send('jobs', { body: 'm' });
    const dead = await RawClient.connect(broker.wsUrl, { autoPong: false });
    const alive = await RawClient.connect(broker.wsUrl);
    await dead.call('subscribe', { queue: 'jobs', prefetch: 1 });
    await dead.until(() => dead.delivered.length === 1);
    await alive.call('subscribe', { queue: 'jobs', prefetch: 1 });
    const code = await dead.closed;
    expect(code).toBe(1006); // terminated: no close frame
    await alive.until(() => alive.delivered.length === 1);
    await sleep(400); // several ping rounds: the answering peer stays
    expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    expect(broker.ws.connectionCount()).toBe(1);
  });
});

describe('WebSocket backpressure', () => {
  it('stops pushing to a socket above the high-water mark and resumes when it drains', async () => {
    const broker = await startWsBroker({ ws: { highWaterMarkBytes: 64 * 1024 } });
    await broker.engine.createQueue('jobs', { visibilityTimeout: 600 });
    const body = 'x'.repeat(256 * 1024);
    const total = 120; // 30 MiB: more than loopback socket buffers hold
    for (let i = 0; i < total; i += 8) await broker.engine.sendBatch('jobs', Array.from({ length: 8 }, () => ({ body })));
    const client = await RawClient.connect(broker.wsUrl);
    const subscribed = client.request('subscribe', { queue: 'jobs', prefetch: total });
    client.ws.pause(); // a slow reader: reads nothing until resumed
    await eventually(() => broker.ws.stats().congested === 1 && broker.ws.stats().waiting > 0, 10_000, 'congestion');
    const { leases, waiting } = broker.ws.stats();
    expect(leases + waiting).toBe(total);
    // Held back rather than buffered: what was pushed is far less than what was leased.
    expect(leases).toBeLessThan(total);
    expect(client.delivered).toHaveLength(0);
    client.ws.resume();
    expect((await subscribed).ok).toBe(true);
    await client.until(() => client.delivered.length === total, 20_000);
    expect(broker.ws.stats()).toMatchObject({ congested: 0, waiting: 0, leases: total });
  });
});

describe('WebSocket shutdown', () => {
  it('close() releases leases, closes sockets with 1001 and refuses new ones', async () => {
    const broker = await startWsBroker();
    await broker.engine.createQueue('jobs', { visibilityTimeout: 3600 });
    await broker.engine.send('jobs', { body: 'm' });
    const client = await RawClient.connect(broker.wsUrl);
    await client.call('subscribe', { queue: 'jobs', prefetch: 1 });
    await client.until(() => client.delivered.length === 1);
    await broker.ws.close();
    expect(await client.closed).toBe(1001);
    expect(broker.ws.connectionCount()).toBe(0);
    const [again] = await broker.engine.receiveBatch('jobs', { max: 1 });
    expect(again).toMatchObject({ body: 'm', dequeueCount: 2 });
    await broker.ws.close(); // idempotent
  });

  it('close() answers every request it read (ok, or CLOSED once shutting down) before closing', async () => {
    const broker = await startWsBroker();
    await broker.engine.createQueue('jobs');
    const client = await RawClient.connect(broker.wsUrl);
    const replies = Array.from({ length: 50 }, (_, i) => client.request('send', { queue: 'jobs', message: { body: `m${i}` } }));
    await client.until(() => client.replies.length > 0);
    const closing = broker.ws.close();
    expect(await client.closed).toBe(1001);
    await closing;
    const answered = client.replies.filter((r) => r.id !== null);
    expect(new Set(answered.map((r) => r.id)).size).toBe(answered.length);
    for (const reply of answered) expect(reply.ok || reply.error?.code === 'CLOSED').toBe(true);
    const okCount = answered.filter((r) => r.ok).length;
    expect((await broker.engine.stats('jobs')).activeMsgNum).toBe(okCount);
    void replies;
  });
});
