/**
 * The topic actions on a broker with API keys: every request is signed as CMQ's SDKs sign (4100
 * otherwise), and a key needs what the native topic routes need (docs/topics.md "API keys"),
 * 4000/10461 when it lacks it: publish, send on the topic; administration, manage on it; a queue
 * subscription, send on its queue too; reading, any permission on the topic; ListTopic, manage on *.
 */
import { describe, expect, test } from 'vitest';
import type { ApiKeySpec } from '../../core/server/auth/api-keys.js';
import { codes, fetchCmq, startCmqBroker } from './cmq-client.js';

const KEYS: ApiKeySpec[] = [
  { id: 'AKIDadmin', secret: 'admin-secret-0123456789', allow: { manage: ['*'], send: ['*'], receive: ['*'] } },
  // Names are patterns for queues and topics alike: `news*` is the news topics.
  { id: 'publisher', secret: 'publisher-secret-0123456789', allow: { send: ['news*'] } },
  { id: 'editor', secret: 'editor-secret-0123456789', allow: { manage: ['news*'] } },
  { id: 'wirer', secret: 'wirer-secret-0123456789', allow: { manage: ['news*'], send: ['inbox'] } },
  { id: 'reader', secret: 'reader-secret-0123456789', allow: { receive: ['news', 'inbox'] } },
];

async function keyedBroker() {
  const broker = await startCmqBroker({ apiKeys: KEYS });
  const as = (id: string) => broker.client({ secretId: id, secretKey: KEYS.find((key) => key.id === id)!.secret });
  const admin = as('AKIDadmin');
  expect((await admin.call('CreateTopic', { topicName: 'news' })).body.code).toBe(0);
  expect((await admin.call('CreateQueue', { queueName: 'inbox' })).body.code).toBe(0);
  return { ...broker, admin, as };
}

const queueSubscription = (name: string) => ({ topicName: 'news', subscriptionName: name, protocol: 'queue', endpoint: 'inbox', notifyContentFormat: 'SIMPLIFIED' });

describe('topic actions with API keys', () => {
  test('need a signature: unsigned is 4100/10030, a wrong secret 4100/10030, an unknown SecretId 4100/10270', async () => {
    const { url, client } = await keyedBroker();
    expect(codes(await fetchCmq(`${url}/v2/index.php?Action=ListTopic`))).toEqual([4100, 10030]);
    expect(codes(await fetchCmq(`${url}/v2/index.php?Action=PublishMessage&topicName=news&msgBody=x`))).toEqual([4100, 10030]);
    expect(codes(await client({ secretId: 'AKIDadmin', secretKey: 'not-the-secret-0123456' }).call('GetTopicAttributes', { topicName: 'news' }))).toEqual([4100, 10030]);
    expect(codes(await client({ secretId: 'AKIDnobody', secretKey: 'x' }).call('ListTopic'))).toEqual([4100, 10270]);
  });

  test('signed with SHA1 over POST and SHA256 over GET, as the SDKs do', async () => {
    const { admin, client } = await keyedBroker();
    expect((await admin.call('Subscribe', queueSubscription('copy'))).body.code).toBe(0);
    const get = client({ secretId: 'AKIDadmin', secretKey: 'admin-secret-0123456789', method: 'GET', signatureMethod: 'HmacSHA256' });
    expect((await get.call('PublishMessage', { topicName: 'news', msgBody: 'héllo & goodbye+1 = 100%', 'msgTag.1': 'a b' })).body.code).toBe(0);
    expect((await admin.call('ReceiveMessage', { queueName: 'inbox' })).body.msgBody).toBe('héllo & goodbye+1 = 100%');
  });

  test('publish needs send on the topic', async () => {
    const { admin, as } = await keyedBroker();
    await admin.call('CreateTopic', { topicName: 'other' });
    await admin.call('Subscribe', queueSubscription('copy'));
    const publisher = as('publisher');
    expect((await publisher.call('PublishMessage', { topicName: 'news', msgBody: 'x' })).body.code).toBe(0);
    expect((await publisher.call('BatchPublishMessage', { topicName: 'news', 'msgBody.1': 'x' })).body.code).toBe(0);
    const denied = await publisher.call('PublishMessage', { topicName: 'other', msgBody: 'x' });
    expect(denied.body).toMatchObject({ code: 4000, message: '(10461)API key publisher: no send permission on topic other' });
    expect(codes(await publisher.call('BatchPublishMessage', { topicName: 'other', 'msgBody.1': 'x' }))).toEqual([4000, 10461]);
    // Manage alone does not publish.
    expect(codes(await as('editor').call('PublishMessage', { topicName: 'news', msgBody: 'x' }))).toEqual([4000, 10461]);
    expect((await admin.call('GetQueueAttributes', { queueName: 'inbox' })).body.activeMsgNum).toBe(2);
  });

  test('creating, changing and deleting topics and subscriptions need manage on the topic', async () => {
    const { as } = await keyedBroker();
    const publisher = as('publisher');
    const editor = as('editor');
    const hook = { topicName: 'news', subscriptionName: 'hook', protocol: 'http', endpoint: 'http://127.0.0.1:9/hook' };
    const calls: [string, Record<string, string | number>][] = [
      ['CreateTopic', { topicName: 'news-2' }],
      ['SetTopicAttributes', { topicName: 'news', maxMsgSize: 4096 }],
      ['Subscribe', hook],
      ['SetSubscriptionAttributes', { topicName: 'news', subscriptionName: 'hook', notifyStrategy: 'BACKOFF_RETRY' }],
      ['ClearSubscriptionFilterTags', { topicName: 'news', subscriptionName: 'hook' }],
      ['Unsubscribe', { topicName: 'news', subscriptionName: 'hook' }],
      ['DeleteTopic', { topicName: 'news-2' }],
    ];
    for (const [action, params] of calls) {
      const denied = await publisher.call(action, params);
      expect(codes(denied), action).toEqual([4000, 10461]);
      expect(denied.body.message, action).toMatch(/no manage permission on topic news/);
      expect((await editor.call(action, params)).body, action).toMatchObject({ code: 0 });
    }
    expect(codes(await editor.call('CreateTopic', { topicName: 'sports' }))).toEqual([4000, 10461]);
  });

  test('a queue subscription also needs send on its queue; an http one only manage on the topic', async () => {
    const { as, engine } = await keyedBroker();
    const editor = as('editor');
    const denied = await editor.call('Subscribe', queueSubscription('copy'));
    expect(denied.body).toMatchObject({ code: 4000, message: '(10461)API key editor: no send permission on queue inbox' });
    expect((await engine.topics.listSubscriptions('news')).total).toBe(0);
    expect((await as('wirer').call('Subscribe', queueSubscription('copy'))).body.code).toBe(0);
    // The protocol in any case is the same protocol: an http endpoint is not taken for a queue name.
    expect((await editor.call('Subscribe', { topicName: 'news', subscriptionName: 'hook', protocol: 'HTTP', endpoint: 'http://127.0.0.1:9/hook' })).body.code).toBe(0);
    expect((await engine.topics.listSubscriptions('news')).total).toBe(2);
  });

  test('reading a topic and its subscriptions needs any permission on it; ListTopic needs manage on *', async () => {
    const { admin, as } = await keyedBroker();
    await admin.call('Subscribe', queueSubscription('copy'));
    await admin.call('CreateTopic', { topicName: 'secret' });
    const reader = as('reader');
    expect((await reader.call('GetTopicAttributes', { topicName: 'news' })).body.code).toBe(0);
    expect((await reader.call('ListSubscriptionByTopic', { topicName: 'news' })).body.totalCount).toBe(1);
    expect((await reader.call('GetSubscriptionAttributes', { topicName: 'news', subscriptionName: 'copy' })).body.code).toBe(0);
    expect(codes(await reader.call('GetTopicAttributes', { topicName: 'secret' }))).toEqual([4000, 10461]);
    expect(codes(await reader.call('ListSubscriptionByTopic', { topicName: 'secret' }))).toEqual([4000, 10461]);
    for (const id of ['reader', 'publisher', 'editor']) {
      const denied = await as(id).call('ListTopic');
      expect(denied.body).toMatchObject({ code: 4000, message: `(10461)API key ${id}: this needs manage on * (every queue and topic)` });
    }
    expect((await admin.call('ListTopic')).body.totalCount).toBe(2);
  });

  test('a bad topic name is the action’s own error (10590), not a permission one', async () => {
    const { as } = await keyedBroker();
    expect(codes(await as('editor').call('GetTopicAttributes', { topicName: 'news!' }))).toEqual([4000, 10590]);
  });
});
