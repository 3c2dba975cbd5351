/**
 * The CMQ endpoint's topic and subscription actions over real HTTP: CreateTopic, ListTopic,
 * Get/SetTopicAttributes, DeleteTopic, Subscribe, ListSubscriptionByTopic,
 * Get/SetSubscriptionAttributes, Unsubscribe, ClearSubscriptionFilterTags; their reply fields,
 * units (seconds), paging and CMQ's error codes. Publishing is in cmq-topics-publish.test.ts.
 */
import { describe, expect, test } from 'vitest';
import { TOPIC_ACTIONS } from '../../core/server/compat/cmq/actions.js';
import { codes, numbered, nowSeconds, startCmqBroker, type CmqClient } from './cmq-client.js';

const TOPIC_ID = /^topic-[0-9a-f]{16}$/;
const SUBSCRIPTION_ID = /^subsc-[0-9a-f]{16}$/;

const names = (list: { topicName?: string; subscriptionName?: string }[]) => list.map((item) => item.topicName ?? item.subscriptionName);

/** A broker with a tags topic `news` and a queue `inbox`. */
async function withTopic() {
  const broker = await startCmqBroker();
  expect((await broker.cmq.call('CreateTopic', { topicName: 'news' })).body.code).toBe(0);
  await broker.engine.createQueue('inbox');
  return broker;
}

async function subscribeQueue(cmq: CmqClient, name: string, more: Record<string, string | number> = {}) {
  return cmq.call('Subscribe', { topicName: 'news', subscriptionName: name, protocol: 'queue', endpoint: 'inbox', notifyContentFormat: 'SIMPLIFIED', ...more });
}

describe('CreateTopic', () => {
  test('answers a topicId that stays the topic’s, with Spool’s defaults or the attributes given', async () => {
    const { cmq, engine } = await startCmqBroker();
    const created = await cmq.call('CreateTopic', { topicName: 'news' });
    expect(created.body).toEqual({ code: 0, message: '', requestId: expect.any(String), topicId: expect.stringMatching(TOPIC_ID) });
    expect((await engine.topics.getTopic('news')).attributes).toEqual({ maxMsgSize: 1_048_576, filterType: 1 });
    expect((await cmq.call('GetTopicAttributes', { topicName: 'news' })).body.topicId).toBe(created.body.topicId);
    expect((await cmq.call('ListTopic')).body.topicList).toEqual([{ topicId: created.body.topicId, topicName: 'news' }]);

    expect((await cmq.call('CreateTopic', { topicName: 'routes', maxMsgSize: 65_536, filterType: 2 })).body.code).toBe(0);
    expect((await engine.topics.getTopic('routes')).attributes).toEqual({ maxMsgSize: 65_536, filterType: 2 });
    // CMQ: filterType "1 or empty" filters by tags.
    expect((await cmq.call('CreateTopic', { topicName: 'tags', filterType: '' })).body.code).toBe(0);
    expect((await engine.topics.getTopic('tags')).attributes.filterType).toBe(1);
  });

  test('refuses an existing name whatever its case and attributes (module 10550)', async () => {
    const { cmq } = await startCmqBroker();
    await cmq.call('CreateTopic', { topicName: 'News' });
    const same = await cmq.call('CreateTopic', { topicName: 'News' });
    expect(same.body).toMatchObject({ code: 4000, message: expect.stringMatching(/^\(10550\)topic is already existed, case insensitive/) });
    expect(codes(await cmq.call('CreateTopic', { topicName: 'news', maxMsgSize: 2048 }))).toEqual([4000, 10550]);
    expect((await cmq.call('ListTopic')).body.totalCount).toBe(1);
  });

  test('refuses bad names (10590), values out of range (10350), non-integers (10360), no name (10390)', async () => {
    const { cmq } = await startCmqBroker();
    for (const name of ['1news', 'a'.repeat(81), 'with space', '']) {
      expect(codes(await cmq.call('CreateTopic', { topicName: name })), name).toEqual([4000, 10590]);
    }
    expect(codes(await cmq.call('CreateTopic', {}))).toEqual([4000, 10390]);
    for (const [name, value] of [['maxMsgSize', 1023], ['maxMsgSize', 1_048_577], ['filterType', 0], ['filterType', 3]] as const) {
      const reply = await cmq.call('CreateTopic', { topicName: 'news', [name]: value });
      expect(codes(reply), `${name}=${value}`).toEqual([4000, 10350]);
      expect(reply.body.message).toContain(name);
    }
    expect(codes(await cmq.call('CreateTopic', { topicName: 'news', maxMsgSize: '64k' }))).toEqual([4000, 10360]);
    expect((await cmq.call('ListTopic')).body.totalCount).toBe(0);
  });
});

describe('GetTopicAttributes and SetTopicAttributes', () => {
  test('CMQ’s fields, times in seconds; SetTopicAttributes changes maxMsgSize and nothing else', async () => {
    const { cmq, engine } = await startCmqBroker();
    const before = nowSeconds();
    await cmq.call('CreateTopic', { topicName: 'news', maxMsgSize: 4096 });
    const got = await cmq.call('GetTopicAttributes', { topicName: 'news' });
    expect(got.body).toEqual({
      code: 0, message: '', requestId: expect.any(String), topicId: expect.stringMatching(TOPIC_ID),
      msgCount: 0, maxMsgSize: 4096, msgRetentionSeconds: 86_400, createTime: expect.any(Number), lastModifyTime: expect.any(Number), filterType: 1,
    });
    expect(got.body.createTime).toBeGreaterThanOrEqual(before);
    expect(got.body.createTime).toBeLessThanOrEqual(nowSeconds());

    const set = await cmq.call('SetTopicAttributes', { topicName: 'news', maxMsgSize: 8192, filterType: 2 });
    expect(set.body).toEqual({ code: 0, message: '', requestId: expect.any(String) });
    // filterType is fixed once set: SetTopicAttributes does not take it (CMQ's has maxMsgSize only).
    expect((await engine.topics.getTopic('news')).attributes).toEqual({ maxMsgSize: 8192, filterType: 1 });
    expect(codes(await cmq.call('SetTopicAttributes', { topicName: 'news', maxMsgSize: 512 }))).toEqual([4000, 10350]);
    expect((await cmq.call('GetTopicAttributes', { topicName: 'news' })).body.maxMsgSize).toBe(8192);
  });

  test('a missing topic is 4440/10600', async () => {
    const { cmq } = await startCmqBroker();
    for (const action of ['GetTopicAttributes', 'SetTopicAttributes', 'DeleteTopic', 'ListSubscriptionByTopic']) {
      const reply = await cmq.call(action, { topicName: 'nowhere', maxMsgSize: 2048 });
      expect(codes(reply), action).toEqual([4440, 10600]);
      expect(reply.body.message).toContain('"nowhere"');
    }
  });
});

describe('DeleteTopic', () => {
  test('is refused while subscriptions remain (10540), and deletes once they are gone', async () => {
    const { cmq, engine } = await withTopic();
    expect((await subscribeQueue(cmq, 'copy')).body.code).toBe(0);
    expect(codes(await cmq.call('DeleteTopic', { topicName: 'news' }))).toEqual([4000, 10540]);
    expect((await cmq.call('Unsubscribe', { topicName: 'news', subscriptionName: 'copy' })).body.code).toBe(0);
    expect((await cmq.call('DeleteTopic', { topicName: 'news' })).body).toEqual({ code: 0, message: '', requestId: expect.any(String) });
    await expect(engine.topics.getTopic('news')).rejects.toMatchObject({ code: 'TOPIC_NOT_FOUND' });
    // The subscribed queue is untouched.
    expect((await engine.getQueue('inbox')).name).toBe('inbox');
  });
});

describe('ListTopic', () => {
  test('filters by searchWord (a case-insensitive substring) and pages with offset and limit', async () => {
    const { cmq } = await startCmqBroker();
    for (const name of ['alpha-news', 'beta-News', 'gamma', 'news-delta']) await cmq.call('CreateTopic', { topicName: name });
    const all = await cmq.call('ListTopic');
    expect([all.body.totalCount, names(all.body.topicList)]).toEqual([4, ['alpha-news', 'beta-News', 'gamma', 'news-delta']]);
    expect(all.body.topicList[0]).toEqual({ topicId: expect.stringMatching(TOPIC_ID), topicName: 'alpha-news' });
    const news = await cmq.call('ListTopic', { searchWord: 'NEWS' });
    expect([news.body.totalCount, names(news.body.topicList)]).toEqual([3, ['alpha-news', 'beta-News', 'news-delta']]);
    const page = await cmq.call('ListTopic', { searchWord: 'news', offset: 1, limit: 1 });
    expect([page.body.totalCount, names(page.body.topicList)]).toEqual([3, ['beta-News']]);
    const plain = await cmq.call('ListTopic', { offset: 3, limit: 50 });
    expect([plain.body.totalCount, names(plain.body.topicList)]).toEqual([4, ['news-delta']]);
  });

  test('gives 20 by default, limit 1-50 (10350), an offset needs a limit (10390)', async () => {
    const { cmq, engine } = await startCmqBroker();
    for (let i = 0; i < 25; i++) await engine.topics.createTopic(`t${String(i).padStart(2, '0')}`);
    const reply = await cmq.call('ListTopic');
    expect([reply.body.totalCount, reply.body.topicList.length]).toEqual([25, 20]);
    expect(names((await cmq.call('ListTopic', { offset: 20, limit: 50 })).body.topicList)).toEqual(['t20', 't21', 't22', 't23', 't24']);
    expect(codes(await cmq.call('ListTopic', { limit: 51 }))).toEqual([4000, 10350]);
    expect(codes(await cmq.call('ListTopic', { limit: 0 }))).toEqual([4000, 10350]);
    expect(codes(await cmq.call('ListTopic', { offset: 2 }))).toEqual([4000, 10390]);
  });
});

describe('Subscribe and GetSubscriptionAttributes', () => {
  test('a queue subscription: subscriptionId, and CMQ’s fields with their defaults', async () => {
    const { cmq, engine } = await withTopic();
    const before = nowSeconds();
    const subscribed = await cmq.call('Subscribe', { topicName: 'news', subscriptionName: 'copy', protocol: 'queue', endpoint: 'inbox', ...numbered('filterTag', ['a', 'b']) });
    expect(subscribed.body).toEqual({ code: 0, message: '', requestId: expect.any(String), subscriptionId: expect.stringMatching(SUBSCRIPTION_ID) });
    const got = await cmq.call('GetSubscriptionAttributes', { topicName: 'news', subscriptionName: 'copy' });
    expect(got.body).toEqual({
      code: 0, message: '', requestId: expect.any(String), subscriptionId: subscribed.body.subscriptionId,
      msgCount: 0, protocol: 'queue', endpoint: 'inbox', notifyStrategy: 'EXPONENTIAL_DECAY_RETRY', notifyContentFormat: 'SIMPLIFIED',
      createTime: expect.any(Number), lastModifyTime: expect.any(Number), bindingKey: [], filterTag: ['a', 'b'], filterTags: ['a', 'b'],
    });
    expect(got.body.createTime).toBeGreaterThanOrEqual(before);
    expect(await engine.topics.getSubscription('news', 'copy')).toMatchObject({ protocol: 'queue', endpoint: 'inbox', filterTags: ['a', 'b'] });
  });

  test('an http subscription (protocol in any case): JSON by default, the strategy given; msgCount counts pushes not yet made', async () => {
    const { cmq, engine } = await withTopic();
    const params = { topicName: 'news', subscriptionName: 'hook', protocol: 'HTTP', endpoint: 'http://127.0.0.1:9/hook', notifyStrategy: 'BACKOFF_RETRY' };
    expect((await cmq.call('Subscribe', params)).body.code).toBe(0);
    // The test broker runs a pusher; port 9 refuses, so the pushes wait in the push queue.
    await engine.topics.publish('news', { body: 'x' });
    await engine.topics.publish('news', { body: 'y' });
    const got = await cmq.call('GetSubscriptionAttributes', { topicName: 'news', subscriptionName: 'hook' });
    expect(got.body).toMatchObject({ protocol: 'http', endpoint: 'http://127.0.0.1:9/hook', notifyStrategy: 'BACKOFF_RETRY', notifyContentFormat: 'JSON', msgCount: 2 });
  });

  test('a routing-key topic: bindingKey.n, 0-based numbering too', async () => {
    const { cmq, engine } = await withTopic();
    await cmq.call('CreateTopic', { topicName: 'logs', filterType: 2 });
    const reply = await cmq.call('Subscribe', { topicName: 'logs', subscriptionName: 'errors', protocol: 'queue', endpoint: 'inbox', ...numbered('bindingKey', ['*.error', 'db.#'], 0) });
    expect(reply.body.code).toBe(0);
    expect((await cmq.call('GetSubscriptionAttributes', { topicName: 'logs', subscriptionName: 'errors' })).body).toMatchObject({ bindingKey: ['*.error', 'db.#'], filterTag: [] });
    expect((await engine.topics.getSubscription('logs', 'errors')).bindingKeys).toEqual(['*.error', 'db.#']);
  });

  test('CMQ’s codes for each bad parameter, and nothing is subscribed', async () => {
    const { cmq, engine } = await withTopic();
    await cmq.call('CreateTopic', { topicName: 'logs', filterType: 2 });
    const queue = { topicName: 'news', subscriptionName: 'copy', protocol: 'queue', endpoint: 'inbox' };
    const http = { ...queue, protocol: 'http', endpoint: 'http://example.com/hook' };
    const cases: [Record<string, string | number>, [number, number]][] = [
      [{ ...queue, protocol: 'email' }, [4000, 10510]],
      [{ ...queue, notifyStrategy: 'RETRY_FOREVER' }, [4000, 10520]],
      [{ ...http, notifyContentFormat: 'XML' }, [4000, 10530]],
      [{ ...queue, notifyContentFormat: 'JSON' }, [4000, 10640]],
      [{ ...queue, ...numbered('filterTag', ['a', 'b', 'c', 'd', 'e', 'f']) }, [4000, 10490]],
      [{ ...queue, ...numbered('filterTag', ['x'.repeat(17)]) }, [4000, 10350]],
      [{ ...queue, 'filterTag.1': 'a', 'filterTag.3': 'b' }, [4000, 10380]],
      [{ ...queue, filterTag: 'a' }, [4000, 10310]],
      [{ ...http, endpoint: 'http://example.com/a hook' }, [4510, 10570]],
      [{ ...http, endpoint: 'ftp://example.com/hook' }, [4000, 10500]],
      [{ ...http, endpoint: `http://example.com/${'a'.repeat(500)}` }, [4000, 10500]],
      [{ ...queue, endpoint: 'http://example.com/hook' }, [4000, 10500]],
      // Push queues are Spool's own: none is subscribed as a queue.
      [{ ...queue, endpoint: 'spool-push-1' }, [4000, 10500]],
      [{ ...queue, endpoint: 'missing' }, [4440, 10100]],
      [{ ...queue, subscriptionName: '9lives' }, [4000, 10580]],
      [{ ...queue, topicName: 'nowhere' }, [4440, 10600]],
      [{ ...queue, protocol: '' }, [4000, 10510]],
      [{ topicName: 'news', subscriptionName: 'copy', protocol: 'queue' }, [4000, 10390]],
      [{ ...queue, topicName: 'logs' }, [4000, 10710]],
      [{ ...queue, topicName: 'logs', ...numbered('bindingKey', ['a', 'b', 'c', 'd', 'e', 'f']) }, [4000, 10680]],
      [{ ...queue, topicName: 'logs', ...numbered('bindingKey', [Array(17).fill('w').join('.')]) }, [4000, 10691]],
      [{ ...queue, topicName: 'logs', ...numbered('bindingKey', ['k'.repeat(65)]) }, [4000, 10350]],
      // Each filter type takes its own: tags on a routing-key topic, keys on a tags topic.
      [{ ...queue, ...numbered('bindingKey', ['a.b']) }, [4000, 10110]],
      [{ ...queue, topicName: 'logs', ...numbered('bindingKey', ['a']), ...numbered('filterTag', ['t']) }, [4000, 10110]],
    ];
    for (const [params, expected] of cases) {
      const reply = await cmq.call('Subscribe', params);
      expect(codes(reply), JSON.stringify(params).slice(0, 200)).toEqual(expected);
    }
    expect((await engine.topics.listSubscriptions('news')).total + (await engine.topics.listSubscriptions('logs')).total).toBe(0);
  });

  test('a taken name is 4490/10470; the 101st subscription of a topic is 4500/10480', async () => {
    const { cmq, engine } = await withTopic();
    expect((await subscribeQueue(cmq, 'copy')).body.code).toBe(0);
    expect(codes(await subscribeQueue(cmq, 'copy'))).toEqual([4490, 10470]);
    for (let i = 1; i < 100; i++) await engine.topics.subscribe('news', `s${i}`, { protocol: 'queue', endpoint: 'inbox' });
    expect(codes(await subscribeQueue(cmq, 'one-more'))).toEqual([4500, 10480]);
  });

  test('a missing subscription is 4440/10560', async () => {
    const { cmq } = await withTopic();
    for (const action of ['GetSubscriptionAttributes', 'SetSubscriptionAttributes', 'Unsubscribe', 'ClearSubscriptionFilterTags']) {
      expect(codes(await cmq.call(action, { topicName: 'news', subscriptionName: 'ghost' })), action).toEqual([4440, 10560]);
    }
  });
});

describe('ListSubscriptionByTopic', () => {
  test('CMQ’s entries, searchWord and paging; limit up to 100, offset up to 1000', async () => {
    const { cmq } = await withTopic();
    for (const name of ['alpha-sub', 'beta-Sub', 'gamma']) expect((await subscribeQueue(cmq, name)).body.code).toBe(0);
    await cmq.call('Subscribe', { topicName: 'news', subscriptionName: 'hook', protocol: 'http', endpoint: 'http://127.0.0.1:9/h' });
    const all = await cmq.call('ListSubscriptionByTopic', { topicName: 'news' });
    expect(all.body.totalCount).toBe(4);
    expect(all.body.subscriptionList).toEqual([
      { subscriptionId: expect.stringMatching(SUBSCRIPTION_ID), subscriptionName: 'alpha-sub', protocol: 'queue', endpoint: 'inbox' },
      { subscriptionId: expect.stringMatching(SUBSCRIPTION_ID), subscriptionName: 'beta-Sub', protocol: 'queue', endpoint: 'inbox' },
      { subscriptionId: expect.stringMatching(SUBSCRIPTION_ID), subscriptionName: 'gamma', protocol: 'queue', endpoint: 'inbox' },
      { subscriptionId: expect.stringMatching(SUBSCRIPTION_ID), subscriptionName: 'hook', protocol: 'http', endpoint: 'http://127.0.0.1:9/h' },
    ]);
    const sub = await cmq.call('ListSubscriptionByTopic', { topicName: 'news', searchWord: 'SUB' });
    expect([sub.body.totalCount, names(sub.body.subscriptionList)]).toEqual([2, ['alpha-sub', 'beta-Sub']]);
    const page = await cmq.call('ListSubscriptionByTopic', { topicName: 'news', offset: 1, limit: 2 });
    expect([page.body.totalCount, names(page.body.subscriptionList)]).toEqual([4, ['beta-Sub', 'gamma']]);
    expect((await cmq.call('ListSubscriptionByTopic', { topicName: 'news', offset: 1000, limit: 100 })).body).toMatchObject({ totalCount: 4, subscriptionList: [] });
    expect(codes(await cmq.call('ListSubscriptionByTopic', { topicName: 'news', limit: 101 }))).toEqual([4000, 10350]);
    expect(codes(await cmq.call('ListSubscriptionByTopic', { topicName: 'news', offset: 1001, limit: 1 }))).toEqual([4000, 10350]);
    expect(codes(await cmq.call('ListSubscriptionByTopic', { topicName: 'news', offset: 1 }))).toEqual([4000, 10390]);
  });

  test('gives 20 by default', async () => {
    const { cmq, engine } = await withTopic();
    for (let i = 0; i < 30; i++) await engine.topics.subscribe('news', `s${String(i).padStart(2, '0')}`, { protocol: 'queue', endpoint: 'inbox' });
    const reply = await cmq.call('ListSubscriptionByTopic', { topicName: 'news' });
    expect([reply.body.totalCount, reply.body.subscriptionList.length, reply.body.subscriptionList[19].subscriptionName]).toEqual([30, 20, 's19']);
  });
});

describe('SetSubscriptionAttributes, ClearSubscriptionFilterTags, Unsubscribe', () => {
  test('SetSubscriptionAttributes replaces what it names and keeps the rest', async () => {
    const { cmq, engine } = await withTopic();
    await cmq.call('Subscribe', { topicName: 'news', subscriptionName: 'hook', protocol: 'http', endpoint: 'http://127.0.0.1:9/h', ...numbered('filterTag', ['a']) });
    const set = await cmq.call('SetSubscriptionAttributes', { topicName: 'news', subscriptionName: 'hook', notifyStrategy: 'BACKOFF_RETRY', ...numbered('filterTag', ['b', 'c']) });
    expect(set.body).toEqual({ code: 0, message: '', requestId: expect.any(String) });
    expect(await engine.topics.getSubscription('news', 'hook')).toMatchObject({ notifyStrategy: 'BACKOFF_RETRY', notifyContentFormat: 'JSON', filterTags: ['b', 'c'] });
    expect((await cmq.call('SetSubscriptionAttributes', { topicName: 'news', subscriptionName: 'hook', notifyContentFormat: 'SIMPLIFIED' })).body.code).toBe(0);
    expect(await engine.topics.getSubscription('news', 'hook')).toMatchObject({ notifyStrategy: 'BACKOFF_RETRY', notifyContentFormat: 'SIMPLIFIED', filterTags: ['b', 'c'] });
    expect(codes(await cmq.call('SetSubscriptionAttributes', { topicName: 'news', subscriptionName: 'hook', notifyStrategy: 'NEVER' }))).toEqual([4000, 10520]);
  });

  test('a queue subscription stays SIMPLIFIED (10640)', async () => {
    const { cmq, engine } = await withTopic();
    await subscribeQueue(cmq, 'copy');
    expect(codes(await cmq.call('SetSubscriptionAttributes', { topicName: 'news', subscriptionName: 'copy', notifyContentFormat: 'JSON' }))).toEqual([4000, 10640]);
    expect((await engine.topics.getSubscription('news', 'copy')).notifyContentFormat).toBe('SIMPLIFIED');
  });

  test('ClearSubscriptionFilterTags clears the tags (in either SDK spelling), and is a no-op on a routing-key topic', async () => {
    const { cmq, engine } = await withTopic();
    await subscribeQueue(cmq, 'copy', numbered('filterTag', ['a']));
    await subscribeQueue(cmq, 'other', numbered('filterTag', ['b']));
    const cleared = await cmq.call('ClearSubscriptionFilterTags', { topicName: 'news', subscriptionName: 'copy' });
    expect(cleared.body).toEqual({ code: 0, message: '', requestId: expect.any(String) });
    expect((await engine.topics.getSubscription('news', 'copy')).filterTags).toEqual([]);
    expect((await engine.topics.getSubscription('news', 'other')).filterTags).toEqual(['b']);
    // CMQ's Java and Go SDKs send this spelling.
    expect((await cmq.call('ClearSUbscriptionFIlterTags', { topicName: 'news', subscriptionName: 'other' })).body.code).toBe(0);
    expect((await engine.topics.getSubscription('news', 'other')).filterTags).toEqual([]);

    await cmq.call('CreateTopic', { topicName: 'logs', filterType: 2 });
    await cmq.call('Subscribe', { topicName: 'logs', subscriptionName: 'keyed', protocol: 'queue', endpoint: 'inbox', 'bindingKey.1': 'a.*' });
    expect((await cmq.call('ClearSubscriptionFilterTags', { topicName: 'logs', subscriptionName: 'keyed' })).body.code).toBe(0);
    expect((await engine.topics.getSubscription('logs', 'keyed')).bindingKeys).toEqual(['a.*']);
    expect(codes(await cmq.call('ClearSubscriptionFilterTags', { topicName: 'logs', subscriptionName: 'ghost' }))).toEqual([4440, 10560]);
  });

  test('Unsubscribe removes the subscription, an http one’s push queue with it', async () => {
    const { cmq, engine } = await withTopic();
    await subscribeQueue(cmq, 'copy');
    await cmq.call('Subscribe', { topicName: 'news', subscriptionName: 'hook', protocol: 'http', endpoint: 'http://127.0.0.1:9/h' });
    const { deliveryQueue } = await engine.topics.getSubscription('news', 'hook');
    expect((await cmq.call('Unsubscribe', { topicName: 'news', subscriptionName: 'hook' })).body).toEqual({ code: 0, message: '', requestId: expect.any(String) });
    await expect(engine.getQueue(deliveryQueue)).rejects.toMatchObject({ code: 'QUEUE_NOT_FOUND' });
    expect(names((await cmq.call('ListSubscriptionByTopic', { topicName: 'news' })).body.subscriptionList)).toEqual(['copy']);
  });
});

describe('the topic actions on the endpoint', () => {
  test.each([...TOPIC_ACTIONS])('%s is answered (no longer refused as unknown)', async (action) => {
    const { cmq } = await startCmqBroker();
    const reply = await cmq.call(action, {});
    // Each but ListTopic lacks its required parameters: CMQ's 10390, not 10430 "action name is not existed".
    expect(codes(reply)).toEqual(action === 'ListTopic' ? [0, null] : [4000, 10390]);
  });

  test('an unknown action is still 4000/10430, and names are case-sensitive', async () => {
    const { cmq } = await startCmqBroker();
    expect(codes(await cmq.call('createTopic', { topicName: 'news' }))).toEqual([4000, 10430]);
    expect(codes(await cmq.call('DeleteSubscription', { topicName: 'news' }))).toEqual([4000, 10430]);
  });
});
