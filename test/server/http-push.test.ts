/**
 * HTTP push subscriptions (docs/topics.md "HTTP push"): a real broker on port 0 pushing to a real
 * local HTTP server, with short retry intervals.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_PUSH_OPTIONS, nextPushDelay, resolvePushOptions } from '../../core/server/push.js';
import { until } from '../helpers/expect.js';
import { api, startTestServer } from '../helpers/server.js';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

/** A local endpoint that records each POST and answers with `status(n)` for the n-th (0-based). */
async function endpoint(status: (n: number) => number = () => 200): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      const n = received.length;
      received.push({ headers: req.headers, body, at: Date.now() });
      res.statusCode = status(n);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

const FAST = { discoverIntervalMs: 20, exponentialBaseMs: 50, backoffMinMs: 30, backoffMaxMs: 60 };

async function brokerWithHook(hookUrl: string, subscription: object = {}, push: object = FAST) {
  const broker = await startTestServer({ push });
  await api(broker.url, 'POST', '/v1/topics', { name: 'news' });
  const sub = await api(broker.url, 'POST', '/v1/topics/news/subscriptions', { name: 'hook', protocol: 'http', endpoint: hookUrl, ...subscription });
  expect(sub.status).toBe(201);
  return { ...broker, subscription: sub.body };
}

describe('HTTP push', () => {
  it('POSTs a published message as CMQ’s JSON, with its headers, and acks it on a 2xx', async () => {
    const hook = await endpoint();
    const broker = await brokerWithHook(hook.url, { filterTags: ['a', 'b'] });
    expect(broker.subscription).toMatchObject({ protocol: 'http', endpoint: hook.url, notifyContentFormat: 'JSON', deliveryQueue: expect.stringMatching(/^spool-push-\d+$/) });
    const published = await api(broker.url, 'POST', '/v1/topics/news/messages', { body: 'hello', tags: ['b', 'c'] });
    await until(() => hook.received.length === 1, 'the push');
    const [push] = hook.received;
    expect(push!.headers).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      'x-cmq-message-id': published.body.msgId,
      'x-cmq-message-tag': 'b,c',
      'x-cmq-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
    });
    const body = JSON.parse(push!.body) as Record<string, unknown>;
    expect(body).toEqual({ topicName: 'news', subscriptionName: 'hook', msgId: published.body.msgId, msgBody: 'hello', publishTime: expect.any(Number) });
    await until(async () => (await broker.engine.stats(broker.subscription.deliveryQueue)).inactiveMsgNum === 0, 'the ack');
    expect(await broker.engine.stats(broker.subscription.deliveryQueue)).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(hook.received).toHaveLength(1);
  });

  it('SIMPLIFIED posts the raw body; the push goes in the same commit as the queue copies', async () => {
    const hook = await endpoint();
    const broker = await brokerWithHook(hook.url, { notifyContentFormat: 'SIMPLIFIED' });
    await broker.engine.createQueue('inbox');
    await broker.engine.topics.subscribe('news', 'queue', { protocol: 'queue', endpoint: 'inbox' });
    await broker.engine.topics.publish('news', { body: '{"raw": true}' });
    expect((await broker.engine.receive('inbox'))!.body).toBe('{"raw": true}');
    await until(() => hook.received.length === 1, 'the push');
    expect(hook.received[0]!.body).toBe('{"raw": true}');
  });

  it('retries after a 500 (EXPONENTIAL_DECAY_RETRY), then delivers', async () => {
    const hook = await endpoint((n) => (n < 2 ? 500 : 204));
    const broker = await brokerWithHook(hook.url);
    await broker.engine.topics.publish('news', { body: 'again' });
    await until(() => hook.received.length === 3, 'three pushes');
    // 50 ms, then 100 ms: the intervals double.
    expect(hook.received[1]!.at - hook.received[0]!.at).toBeGreaterThanOrEqual(40);
    expect(hook.received[2]!.at - hook.received[1]!.at).toBeGreaterThanOrEqual(90);
    expect(hook.received.map((r) => r.headers['x-cmq-message-id'])).toEqual(Array(3).fill(hook.received[0]!.headers['x-cmq-message-id']));
    await until(async () => (await broker.engine.stats(broker.subscription.deliveryQueue)).inactiveMsgNum === 0, 'the ack');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.received).toHaveLength(3);
  });

  it('BACKOFF_RETRY gives up after 3 retries: 4 pushes in all, then the message is dropped', async () => {
    const hook = await endpoint(() => 500);
    const broker = await brokerWithHook(hook.url, { notifyStrategy: 'BACKOFF_RETRY' });
    await broker.engine.topics.publish('news', { body: 'doomed' });
    await until(async () => {
      const stats = await broker.engine.stats(broker.subscription.deliveryQueue);
      return stats.activeMsgNum + stats.inactiveMsgNum + stats.delayMsgNum === 0;
    }, 'the message to be dropped');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(hook.received).toHaveLength(4);
  });

  it('EXPONENTIAL_DECAY_RETRY gives up once the next retry would pass giveUpAfterMs from publish', async () => {
    const hook = await endpoint(() => 503);
    const broker = await brokerWithHook(hook.url, {}, { ...FAST, giveUpAfterMs: 1000 });
    await broker.engine.topics.publish('news', { body: 'doomed' });
    await until(async () => {
      const stats = await broker.engine.stats(broker.subscription.deliveryQueue);
      return stats.activeMsgNum + stats.inactiveMsgNum + stats.delayMsgNum === 0;
    }, 'the message to be dropped');
    // Pushes at about 0, 50, 150, 350 and 750 ms; the next would wait 800 ms more, past 1000 ms.
    expect(hook.received).toHaveLength(5);
    expect(hook.received.at(-1)!.at - hook.received[0]!.at).toBeLessThan(1000);
  });

  it('an unreachable endpoint is a failed push, retried', async () => {
    const hook = await endpoint();
    const dead = hook.url.replace(/:\d+\//, ':1/');
    const broker = await brokerWithHook(dead);
    await broker.engine.topics.publish('news', { body: 'x' });
    await until(async () => (await broker.engine.stats(broker.subscription.deliveryQueue)).delayMsgNum === 1, 'a delayed retry');
  });

  it('unsubscribing deletes the push queue, pending pushes with it; its name is reserved', async () => {
    const hook = await endpoint(() => 500);
    const broker = await brokerWithHook(hook.url, {}, { ...FAST, exponentialBaseMs: 60_000 });
    const queue = broker.subscription.deliveryQueue as string;
    await broker.engine.topics.publish('news', { body: 'x' });
    await until(async () => (await broker.engine.stats(queue)).delayMsgNum === 1, 'a delayed retry');
    expect((await api(broker.url, 'DELETE', '/v1/topics/news/subscriptions/hook')).status).toBe(204);
    expect((await api(broker.url, 'GET', `/v1/queues/${queue}`)).body.error.code).toBe('QUEUE_NOT_FOUND');
    const reserved = await api(broker.url, 'POST', '/v1/queues', { name: 'spool-push-99' });
    expect([reserved.status, reserved.body.error.code]).toEqual([400, 'INVALID_NAME']);
  });

  it('refuses endpoints CMQ refuses', async () => {
    const { url } = await startTestServer();
    await api(url, 'POST', '/v1/topics', { name: 'news' });
    for (const endpoint of ['ftp://example.com/', 'http://exa mple.com/', `http://example.com/${'x'.repeat(500)}`, 'not a url']) {
      const reply = await api(url, 'POST', '/v1/topics/news/subscriptions', { name: 's', protocol: 'http', endpoint });
      expect([endpoint, reply.body.error?.code]).toEqual([endpoint, 'INVALID_PARAMETER']);
    }
  });
});

describe('nextPushDelay', () => {
  const options = resolvePushOptions();

  it('BACKOFF_RETRY: 19-29 s at random, three retries', () => {
    expect(nextPushDelay('BACKOFF_RETRY', 1, 0, options, () => 0)).toBe(19_000);
    expect(nextPushDelay('BACKOFF_RETRY', 3, 0, options, () => 0.999999)).toBe(29_000);
    expect(nextPushDelay('BACKOFF_RETRY', 4, 0, options)).toBeNull();
  });

  it('EXPONENTIAL_DECAY_RETRY: 1, 2, 4, 8 s..., capped, until a day after publish', () => {
    expect([1, 2, 3, 4].map((n) => nextPushDelay('EXPONENTIAL_DECAY_RETRY', n, 0, options))).toEqual([1000, 2000, 4000, 8000]);
    expect(nextPushDelay('EXPONENTIAL_DECAY_RETRY', 30, 0, options)).toBe(3_600_000);
    expect(nextPushDelay('EXPONENTIAL_DECAY_RETRY', 5, 86_400_000 - 16_000, options)).toBe(16_000);
    expect(nextPushDelay('EXPONENTIAL_DECAY_RETRY', 5, 86_400_000 - 15_999, options)).toBeNull();
  });

  it('defaults are CMQ’s; bad options are refused by name', () => {
    expect(DEFAULT_PUSH_OPTIONS).toMatchObject({ timeoutMs: 15_000, backoffRetries: 3, giveUpAfterMs: 86_400_000 });
    expect(() => resolvePushOptions({ timeoutMs: 60_000 })).toThrow(/push.timeoutMs/);
    expect(() => resolvePushOptions({ nope: 1 } as never)).toThrow(/unknown push option/);
  });
});
