/** The topic routes over real HTTP (docs/http-api.md "Topics"), their errors and their API-key needs. */
import { describe, expect, it } from 'vitest';
import type { ApiKeySpec } from '../../core/server/auth/api-keys.js';
import { api, startTestServer } from '../helpers/server.js';

describe('topic routes', () => {
  it('create (201, then 200), get, list, set attributes, delete (204)', async () => {
    const { url } = await startTestServer();
    const created = await api(url, 'POST', '/v1/topics', { name: 'news', attributes: { filterType: 2 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'news', attributes: { maxMsgSize: 1_048_576, filterType: 2 } });
    expect((await api(url, 'POST', '/v1/topics', { name: 'news', attributes: { filterType: 2 } })).status).toBe(200);
    const exists = await api(url, 'POST', '/v1/topics', { name: 'news' });
    expect([exists.status, exists.body.error.code]).toEqual([409, 'TOPIC_EXISTS']);
    expect((await api(url, 'GET', '/v1/topics/news')).body).toEqual(created.body);
    await api(url, 'POST', '/v1/topics', { name: 'notes' });
    const list = await api(url, 'GET', '/v1/topics?prefix=n&limit=1&offset=1');
    expect(list.body).toMatchObject({ total: 2, topics: [{ name: 'notes' }] });
    const patched = await api(url, 'PATCH', '/v1/topics/news/attributes', { maxMsgSize: 4096 });
    expect(patched.body.attributes).toEqual({ maxMsgSize: 4096, filterType: 2 });
    expect((await api(url, 'PUT', '/v1/topics/news/attributes', { filterType: 1 })).body.error.code).toBe('INVALID_ATTRIBUTE');
    expect((await api(url, 'DELETE', '/v1/topics/news')).status).toBe(204);
    const gone = await api(url, 'GET', '/v1/topics/news');
    expect([gone.status, gone.body.error.code]).toEqual([404, 'TOPIC_NOT_FOUND']);
  });

  it('subscriptions: subscribe (201), duplicate (409), list, get, set, unsubscribe (204); delete topic refused while subscribed', async () => {
    const { url } = await startTestServer();
    await api(url, 'POST', '/v1/queues', { name: 'inbox' });
    await api(url, 'POST', '/v1/topics', { name: 'news' });
    const sub = await api(url, 'POST', '/v1/topics/news/subscriptions', { name: 'mail', protocol: 'queue', endpoint: 'inbox', filterTags: ['a'] });
    expect(sub.status).toBe(201);
    expect(sub.body).toMatchObject({ topic: 'news', name: 'mail', protocol: 'queue', endpoint: 'inbox', notifyContentFormat: 'SIMPLIFIED', filterTags: ['a'] });
    const again = await api(url, 'POST', '/v1/topics/news/subscriptions', { name: 'mail', protocol: 'queue', endpoint: 'inbox' });
    expect([again.status, again.body.error.code]).toEqual([409, 'SUBSCRIPTION_EXISTS']);
    expect((await api(url, 'GET', '/v1/topics/news/subscriptions')).body).toEqual({ total: 1, subscriptions: [sub.body] });
    expect((await api(url, 'GET', '/v1/topics/news/subscriptions/mail')).body).toEqual(sub.body);
    const set = await api(url, 'PATCH', '/v1/topics/news/subscriptions/mail/attributes', { filterTags: ['b'] });
    expect(set.body.filterTags).toEqual(['b']);
    const busy = await api(url, 'DELETE', '/v1/topics/news');
    expect([busy.status, busy.body.error.code]).toEqual([409, 'TOPIC_HAS_SUBSCRIPTIONS']);
    expect((await api(url, 'DELETE', '/v1/topics/news/subscriptions/mail')).status).toBe(204);
    const missing = await api(url, 'GET', '/v1/topics/news/subscriptions/mail');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'SUBSCRIPTION_NOT_FOUND']);
    expect((await api(url, 'DELETE', '/v1/topics/news')).status).toBe(204);
  });

  it('publish one message or a batch; the copies are received from the subscribed queues', async () => {
    const { url } = await startTestServer();
    for (const name of ['q1', 'q2']) await api(url, 'POST', '/v1/queues', { name });
    await api(url, 'POST', '/v1/topics', { name: 'news' });
    await api(url, 'POST', '/v1/topics/news/subscriptions', { name: 's1', protocol: 'queue', endpoint: 'q1' });
    await api(url, 'POST', '/v1/topics/news/subscriptions', { name: 's2', protocol: 'queue', endpoint: 'q2', filterTags: ['x'] });
    const one = await api(url, 'POST', '/v1/topics/news/messages', { body: 'tagged', tags: ['x'] });
    expect(one.status).toBe(200);
    expect(one.body.msgId).toEqual(expect.any(String));
    const batch = await api(url, 'POST', '/v1/topics/news/messages', { messages: [{ body: 'a' }, { body: 'b' }] });
    expect(batch.body.msgIds).toHaveLength(2);
    const q1 = await api(url, 'POST', '/v1/queues/q1/messages/receive', { max: 16 });
    expect(q1.body.messages.map((m: { body: string }) => m.body).sort()).toEqual(['a', 'b', 'tagged']);
    const q2 = await api(url, 'POST', '/v1/queues/q2/messages/receive', { max: 16 });
    expect(q2.body.messages).toHaveLength(1);
    expect(q2.body.messages[0].attributes).toMatchObject({ 'spool.topic': 'news', 'spool.subscription': 's2', 'spool.topicMsgId': one.body.msgId });
  });

  it('answers errors with their codes and statuses, and refuses loose bodies', async () => {
    const { url } = await startTestServer();
    await api(url, 'POST', '/v1/queues', { name: 'inbox' });
    await api(url, 'POST', '/v1/topics', { name: 'news' });
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/topics/news/messages', { body: 'x' }, 409, 'TOPIC_NO_MATCH'],
      ['POST', '/v1/topics/nope/messages', { body: 'x' }, 404, 'TOPIC_NOT_FOUND'],
      ['POST', '/v1/topics', { name: 'x', extra: 1 }, 400, 'INVALID_PARAMETER'],
      ['POST', '/v1/topics', { name: '-bad' }, 400, 'INVALID_NAME'],
      ['POST', '/v1/topics/news/messages', { body: 'x', delaySeconds: 5 }, 400, 'INVALID_PARAMETER'],
      ['POST', '/v1/topics/news/messages', { body: 'x', messages: [{ body: 'y' }] }, 400, 'INVALID_PARAMETER'],
      ['POST', '/v1/topics/news/subscriptions', { name: 's', protocol: 'queue', endpoint: 'missing' }, 404, 'QUEUE_NOT_FOUND'],
      ['POST', '/v1/topics/news/subscriptions', { name: 's', protocol: 'smtp', endpoint: 'inbox' }, 400, 'INVALID_PARAMETER'],
      ['POST', '/v1/topics/news/subscriptions', { name: 's', protocol: 'queue' }, 400, 'INVALID_PARAMETER'],
      ['PATCH', '/v1/topics/news/subscriptions/none/attributes', { filterTags: [] }, 404, 'SUBSCRIPTION_NOT_FOUND'],
      ['GET', '/v1/topics?colour=red', undefined, 400, 'INVALID_PARAMETER'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const reply = await api(url, method, path, body);
      expect([method, path, reply.status, reply.body.error?.code]).toEqual([method, path, status, code]);
    }
    await api(url, 'POST', '/v1/topics/news/subscriptions', { name: 's', protocol: 'queue', endpoint: 'inbox' });
    await api(url, 'DELETE', '/v1/queues/inbox');
    const gone = await api(url, 'POST', '/v1/topics/news/messages', { body: 'x' });
    expect([gone.status, gone.body.error.code]).toEqual([409, 'SUBSCRIBED_QUEUE_NOT_FOUND']);
  });
});

describe('topic routes with API keys', () => {
  const ADMIN = 'admin-secret-0123456789';
  const PUBLISHER = 'publisher-secret-0123456789';
  const OWNER = 'owner-secret-0123456789';
  const KEYS: ApiKeySpec[] = [
    { id: 'admin', secret: ADMIN, allow: { manage: ['*'], send: ['*'], receive: ['*'] } },
    { id: 'publisher', secret: PUBLISHER, allow: { send: ['news'] } },
    // Manages topics named team-*, may send to queue team-inbox only.
    { id: 'owner', secret: OWNER, allow: { manage: ['team-*'], send: ['team-inbox'] } },
  ];
  const as = (secret: string) => ({ authorization: `Bearer ${secret}` });

  it('publish needs send on the topic; administration manage on it; a queue subscription send on its queue', async () => {
    const { url } = await startTestServer({ apiKeys: KEYS });
    for (const name of ['team-inbox', 'secret-queue']) await api(url, 'POST', '/v1/queues', { name }, as(ADMIN));
    await api(url, 'POST', '/v1/topics', { name: 'news' }, as(ADMIN));
    await api(url, 'POST', '/v1/topics/news/subscriptions', { name: 's', protocol: 'queue', endpoint: 'team-inbox' }, as(ADMIN));

    expect((await api(url, 'POST', '/v1/topics/news/messages', { body: 'x' }, as(PUBLISHER))).status).toBe(200);
    const denied = await api(url, 'POST', '/v1/topics/news/messages', { body: 'x' }, as(OWNER));
    expect([denied.status, denied.body.error.message]).toEqual([403, 'API key owner: no send permission on topic news']);
    expect((await api(url, 'POST', '/v1/topics', { name: 'other' }, as(PUBLISHER))).status).toBe(403);
    expect((await api(url, 'DELETE', '/v1/topics/news/subscriptions/s', undefined, as(PUBLISHER))).status).toBe(403);

    expect((await api(url, 'POST', '/v1/topics', { name: 'team-a' }, as(OWNER))).status).toBe(201);
    expect((await api(url, 'POST', '/v1/topics/team-a/subscriptions', { name: 'ok', protocol: 'queue', endpoint: 'team-inbox' }, as(OWNER))).status).toBe(201);
    const intoOthers = await api(url, 'POST', '/v1/topics/team-a/subscriptions', { name: 'sneak', protocol: 'queue', endpoint: 'secret-queue' }, as(OWNER));
    expect([intoOthers.status, intoOthers.body.error.message]).toEqual([403, 'API key owner: no send permission on queue secret-queue']);
    // An http subscription's endpoint is a URL, not a queue: manage on the topic is enough.
    expect((await api(url, 'POST', '/v1/topics/team-a/subscriptions', { name: 'hook', protocol: 'http', endpoint: 'http://127.0.0.1:9/' }, as(OWNER))).status).toBe(201);
    expect((await api(url, 'GET', '/v1/topics/team-a/subscriptions', undefined, as(OWNER))).body.total).toBe(2);
    expect((await api(url, 'GET', '/v1/topics', undefined, as(OWNER))).status).toBe(403);
    expect((await api(url, 'GET', '/v1/topics', undefined, as(ADMIN))).body.total).toBe(2);
  });
});
