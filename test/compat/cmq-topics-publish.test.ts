/**
 * Publishing through the CMQ endpoint over real HTTP: PublishMessage and BatchPublishMessage fan
 * out to queue subscriptions by filter tags or routing keys, and the copies are then received with
 * CMQ's ReceiveMessage; an http subscription gets a push from the broker at a real local HTTP
 * server; a publish that reaches nobody, and bad input, get CMQ's codes and store nothing.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { until } from '../helpers/expect.js';
import { codes, numbered, startCmqBroker, type CmqClient } from './cmq-client.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The bodies CMQ's ReceiveMessage gives from `queue` until it says 7000 "no message". */
async function drain(cmq: CmqClient, queue: string): Promise<string[]> {
  const bodies: string[] = [];
  for (;;) {
    const reply = await cmq.call('ReceiveMessage', { queueName: queue, pollingWaitSeconds: 0 });
    if (reply.body.code === 7000) return bodies;
    expect(reply.body.code, reply.body.message).toBe(0);
    bodies.push(reply.body.msgBody);
    expect((await cmq.call('DeleteMessage', { queueName: queue, receiptHandle: reply.body.receiptHandle })).body.code).toBe(0);
  }
}

/** A broker with a tags topic `orders` and queue subscriptions billing (tag paid), refunds (tag refund) and audit (no tag). */
async function ordersBroker() {
  const broker = await startCmqBroker();
  const { cmq } = broker;
  await cmq.call('CreateTopic', { topicName: 'orders' });
  for (const [queue, tags] of [['billing', ['paid']], ['refunds', ['refund', 'chargeback']], ['audit', []]] as const) {
    await cmq.call('CreateQueue', { queueName: queue });
    const reply = await cmq.call('Subscribe', {
      topicName: 'orders', subscriptionName: `to-${queue}`, protocol: 'queue', endpoint: queue, notifyContentFormat: 'SIMPLIFIED', ...numbered('filterTag', tags),
    });
    expect(reply.body.code, reply.body.message).toBe(0);
  }
  return broker;
}

describe('PublishMessage to a tags topic', () => {
  test('copies the message into each subscribed queue whose filterTag it carries, and into untagged ones', async () => {
    const { cmq, engine } = await ordersBroker();
    const published = await cmq.call('PublishMessage', { topicName: 'orders', msgBody: '{"order": 17}', ...numbered('msgTag', ['paid', 'eu']) });
    expect(published.body).toEqual({ code: 0, message: '', requestId: expect.any(String), msgId: expect.stringMatching(UUID) });
    const received = await cmq.call('ReceiveMessage', { queueName: 'billing' });
    expect(received.body).toMatchObject({ code: 0, msgBody: '{"order": 17}', dequeueCount: 1 });
    // A copy is a message of its queue, with its own msgId; it carries the publish's.
    expect(received.body.msgId).not.toBe(published.body.msgId);
    const [copy] = await engine.receiveBatch('audit', { max: 1 });
    expect(copy!.attributes).toMatchObject({ 'spool.topic': 'orders', 'spool.topicMsgId': published.body.msgId, 'spool.tags': '["paid","eu"]' });
    expect(codes(await cmq.call('ReceiveMessage', { queueName: 'refunds' }))).toEqual([7000, 10200]);
  });

  test('an untagged message reaches only the untagged subscription; routingKey="" (as CMQ’s Python SDK sends it) is none', async () => {
    const { cmq } = await ordersBroker();
    expect((await cmq.call('PublishMessage', { topicName: 'orders', msgBody: 'plain', routingKey: '' })).body.code).toBe(0);
    expect((await cmq.call('PublishMessage', { topicName: 'orders', msgBody: 'refund', 'msgTag.0': 'chargeback' })).body.code).toBe(0);
    expect(await drain(cmq, 'audit')).toEqual(['plain', 'refund']);
    expect(await drain(cmq, 'refunds')).toEqual(['refund']);
    expect(await drain(cmq, 'billing')).toEqual([]);
  });

  test('no subscription at all is 6030/10650; none matching is 6030/10730; nothing is stored', async () => {
    const { cmq, engine } = await ordersBroker();
    await cmq.call('CreateTopic', { topicName: 'empty' });
    expect(codes(await cmq.call('PublishMessage', { topicName: 'empty', msgBody: 'x' }))).toEqual([6030, 10650]);
    // Tagged subscriptions only, from here: a message needs one of their tags.
    await cmq.call('Unsubscribe', { topicName: 'orders', subscriptionName: 'to-audit' });
    const none = await cmq.call('PublishMessage', { topicName: 'orders', msgBody: 'x', 'msgTag.1': 'other' });
    expect(codes(none)).toEqual([6030, 10730]);
    expect(none.body.message).toContain('no subscription of topic "orders" matches');
    expect(codes(await cmq.call('PublishMessage', { topicName: 'orders', msgBody: 'x' }))).toEqual([6030, 10730]);
    for (const queue of ['billing', 'refunds', 'audit']) expect((await engine.stats(queue)).activeMsgNum, queue).toBe(0);
  });

  test('bad input: CMQ’s codes, and nothing is stored', async () => {
    const { cmq, engine } = await ordersBroker();
    await cmq.call('SetTopicAttributes', { topicName: 'orders', maxMsgSize: 1024 });
    const cases: [Record<string, string | number>, [number, number]][] = [
      [{ topicName: 'nowhere', msgBody: 'x' }, [4440, 10600]],
      [{ topicName: '-bad', msgBody: 'x' }, [4000, 10590]],
      [{ topicName: 'orders' }, [4000, 10390]],
      [{ topicName: 'orders', msgBody: '' }, [4000, 10120]],
      [{ topicName: 'orders', msgBody: 'x'.repeat(1025) }, [4400, 10230]],
      [{ topicName: 'orders', msgBody: 'x', ...numbered('msgTag', ['a', 'b', 'c', 'd', 'e', 'f']) }, [4000, 10720]],
      [{ topicName: 'orders', msgBody: 'x', ...numbered('msgTag', ['t'.repeat(17)]) }, [4000, 10350]],
      [{ topicName: 'orders', msgBody: 'x', msgTag: 'paid' }, [4000, 10310]],
      // A routing key on a tags topic is refused, not ignored.
      [{ topicName: 'orders', msgBody: 'x', routingKey: 'a.b' }, [4000, 10110]],
    ];
    for (const [params, expected] of cases) {
      expect(codes(await cmq.call('PublishMessage', params)), JSON.stringify(params).slice(0, 120)).toEqual(expected);
    }
    for (const queue of ['billing', 'refunds', 'audit']) expect((await engine.stats(queue)).activeMsgNum, queue).toBe(0);
  });

  test('a subscribed queue that was deleted refuses the publish (4440/10100): no copy anywhere', async () => {
    const { cmq, engine } = await ordersBroker();
    await cmq.call('DeleteQueue', { queueName: 'refunds' });
    const reply = await cmq.call('PublishMessage', { topicName: 'orders', msgBody: 'x', 'msgTag.1': 'refund' });
    expect(codes(reply)).toEqual([4440, 10100]);
    expect(reply.body.message).toContain('to-refunds');
    expect((await engine.stats('audit')).activeMsgNum).toBe(0);
  });
});

describe('PublishMessage to a routing-key topic', () => {
  async function logsBroker() {
    const broker = await startCmqBroker();
    const { cmq } = broker;
    await cmq.call('CreateTopic', { topicName: 'logs', filterType: 2 });
    for (const [queue, keys] of [['app-all', ['app.#']], ['errors', ['*.error', 'kernel']]] as const) {
      await cmq.call('CreateQueue', { queueName: queue });
      const reply = await cmq.call('Subscribe', { topicName: 'logs', subscriptionName: queue, protocol: 'queue', endpoint: queue, ...numbered('bindingKey', keys) });
      expect(reply.body.code, reply.body.message).toBe(0);
    }
    return broker;
  }

  test('routes by routingKey: `*` one word, `#` zero or more', async () => {
    const { cmq } = await logsBroker();
    for (const key of ['app', 'app.web.error', 'db.error', 'app.error', 'kernel']) {
      expect((await cmq.call('PublishMessage', { topicName: 'logs', msgBody: key, routingKey: key })).body.code, key).toBe(0);
    }
    expect(await drain(cmq, 'app-all')).toEqual(['app', 'app.web.error', 'app.error']);
    expect(await drain(cmq, 'errors')).toEqual(['db.error', 'app.error', 'kernel']);
    expect(codes(await cmq.call('PublishMessage', { topicName: 'logs', msgBody: 'x', routingKey: 'a.b.error' }))).toEqual([6030, 10730]);
  });

  test('a routingKey is required (10700), of at most 64 bytes (10350) and 15 dots (10691); tags are refused', async () => {
    const { cmq, engine } = await logsBroker();
    expect(codes(await cmq.call('PublishMessage', { topicName: 'logs', msgBody: 'x' }))).toEqual([4000, 10700]);
    expect(codes(await cmq.call('PublishMessage', { topicName: 'logs', msgBody: 'x', routingKey: '' }))).toEqual([4000, 10700]);
    expect(codes(await cmq.call('BatchPublishMessage', { topicName: 'logs', 'msgBody.1': 'x' }))).toEqual([4000, 10700]);
    expect(codes(await cmq.call('PublishMessage', { topicName: 'logs', msgBody: 'x', routingKey: `app.${'k'.repeat(61)}` }))).toEqual([4000, 10350]);
    expect(codes(await cmq.call('PublishMessage', { topicName: 'logs', msgBody: 'x', routingKey: Array(17).fill('a').join('.') }))).toEqual([4000, 10691]);
    expect(codes(await cmq.call('PublishMessage', { topicName: 'logs', msgBody: 'x', routingKey: 'app', 'msgTag.1': 'a' }))).toEqual([4000, 10110]);
    // The longest key allowed is fine.
    expect((await cmq.call('PublishMessage', { topicName: 'logs', msgBody: 'x', routingKey: `app.${'k'.repeat(60)}` })).body.code).toBe(0);
    expect((await engine.stats('app-all')).activeMsgNum).toBe(1);
    expect((await engine.stats('errors')).activeMsgNum).toBe(0);
  });
});

describe('BatchPublishMessage', () => {
  test('publishes msgBody.n with one msgTag.n for the batch; msgList in order; copies received with BatchReceiveMessage', async () => {
    const { cmq } = await ordersBroker();
    const reply = await cmq.call('BatchPublishMessage', { topicName: 'orders', ...numbered('msgBody', ['a', 'b', 'c']), ...numbered('msgTag', ['paid']), routingKey: '' });
    expect(reply.body).toEqual({ code: 0, message: '', requestId: expect.any(String), msgList: [0, 1, 2].map(() => ({ msgId: expect.stringMatching(UUID) })) });
    expect(new Set(reply.body.msgList.map((m: { msgId: string }) => m.msgId)).size).toBe(3);
    const received = await cmq.call('BatchReceiveMessage', { queueName: 'billing', numOfMsg: 16 });
    expect(received.body.msgInfoList.map((m: { msgBody: string }) => m.msgBody)).toEqual(['a', 'b', 'c']);
    expect(await drain(cmq, 'audit')).toEqual(['a', 'b', 'c']);
    expect(await drain(cmq, 'refunds')).toEqual([]);
  });

  test('all or nothing; 16 bodies at most (10370), 1 MiB together (4470/10300)', async () => {
    const { cmq, engine } = await ordersBroker();
    await cmq.call('Unsubscribe', { topicName: 'orders', subscriptionName: 'to-audit' });
    // The second message carries no tag a subscription wants: the batch is refused whole.
    const cases: [Record<string, string | number>, [number, number]][] = [
      [{ 'msgBody.1': 'a', 'msgBody.2': '', 'msgTag.1': 'paid' }, [4000, 10120]],
      [{ ...numbered('msgBody', Array(17).fill('m')), 'msgTag.1': 'paid' }, [4000, 10370]],
      [{ 'msgBody.1': 'a', 'msgBody.3': 'b' }, [4000, 10380]],
      [{ msgBody: 'a' }, [4000, 10310]],
      [{ ...numbered('msgBody', ['x'.repeat(600_000), 'y'.repeat(600_000)]), 'msgTag.1': 'paid' }, [4470, 10300]],
      [{ ...numbered('msgBody', ['a', 'b']), 'msgTag.1': 'nobody' }, [6030, 10730]],
    ];
    for (const [params, expected] of cases) {
      expect(codes(await cmq.call('BatchPublishMessage', { topicName: 'orders', ...params })), JSON.stringify(params).slice(0, 120)).toEqual(expected);
    }
    expect((await engine.stats('billing')).activeMsgNum).toBe(0);
    const sixteen = await cmq.call('BatchPublishMessage', { topicName: 'orders', ...numbered('msgBody', Array(16).fill('m')), 'msgTag.1': 'paid' });
    expect(sixteen.body.msgList).toHaveLength(16);
    expect((await engine.stats('billing')).activeMsgNum).toBe(16);
  });
});

interface Push {
  headers: IncomingHttpHeaders;
  body: string;
}

const hooks: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of hooks.splice(0)) await close();
});

/** A local HTTP endpoint that records each POST and answers `status`. */
async function hook(status = 200): Promise<{ url: string; pushes: Push[] }> {
  const pushes: Push[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    pushes.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hooks.push(() => new Promise((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/cmq`, pushes };
}

const FAST_PUSH = { discoverIntervalMs: 20, exponentialBaseMs: 50, backoffMinMs: 30, backoffMaxMs: 60 };

describe('an http subscription', () => {
  test('gets each matching publish POSTed by the broker as CMQ’s JSON, with its headers', async () => {
    const endpoint = await hook();
    const { cmq } = await startCmqBroker({ push: FAST_PUSH });
    await cmq.call('CreateTopic', { topicName: 'news' });
    const subscribed = await cmq.call('Subscribe', { topicName: 'news', subscriptionName: 'hook', protocol: 'http', endpoint: endpoint.url, ...numbered('filterTag', ['sport']) });
    expect(subscribed.body.code, subscribed.body.message).toBe(0);
    const published = await cmq.call('PublishMessage', { topicName: 'news', msgBody: 'goal!', ...numbered('msgTag', ['sport', 'live']) });
    await until(() => endpoint.pushes.length === 1, 'the push', 5000);
    const [push] = endpoint.pushes;
    expect(push!.headers).toMatchObject({ 'x-cmq-message-id': published.body.msgId, 'x-cmq-message-tag': 'sport,live', 'x-cmq-request-id': expect.stringMatching(UUID) });
    expect(JSON.parse(push!.body)).toEqual({ topicName: 'news', subscriptionName: 'hook', msgId: published.body.msgId, msgBody: 'goal!', publishTime: expect.any(Number) });
    // Acked on the 2xx: nothing is left to deliver.
    await until(async () => (await cmq.call('GetSubscriptionAttributes', { topicName: 'news', subscriptionName: 'hook' })).body.msgCount === 0, 'the ack', 5000);
  });

  test('SIMPLIFIED posts the raw body; a failing endpoint is retried by notifyStrategy, the pending push counted in msgCount', async () => {
    const good = await hook();
    const failing = await hook(503);
    const { cmq } = await startCmqBroker({ push: FAST_PUSH });
    await cmq.call('CreateTopic', { topicName: 'news' });
    await cmq.call('Subscribe', { topicName: 'news', subscriptionName: 'raw', protocol: 'http', endpoint: good.url, notifyContentFormat: 'SIMPLIFIED' });
    await cmq.call('Subscribe', { topicName: 'news', subscriptionName: 'down', protocol: 'http', endpoint: failing.url, notifyStrategy: 'BACKOFF_RETRY' });
    expect((await cmq.call('PublishMessage', { topicName: 'news', msgBody: '{"raw": true}' })).body.code).toBe(0);
    await until(() => good.pushes.length === 1 && failing.pushes.length >= 2, 'the pushes and a retry', 5000);
    expect(good.pushes[0]!.body).toBe('{"raw": true}');
    expect(failing.pushes[1]!.body).toContain('"msgBody":"{\\"raw\\": true}"');
    expect((await cmq.call('GetSubscriptionAttributes', { topicName: 'news', subscriptionName: 'down' })).body.msgCount).toBe(1);
  });
});
