/** Topics on the engine, on SQLite and on PostgreSQL (docs/topics.md). */
import { describe, expect, it } from 'vitest';
import { COPY_ATTRIBUTES, DEFAULT_TOPIC_ATTRIBUTES, type Engine } from '../../core/index.js';
import { testEngine } from '../helpers/engine.js';
import { rejectsWith } from '../helpers/expect.js';

async function withQueues(engine: Engine, ...names: string[]): Promise<void> {
  for (const name of names) await engine.createQueue(name);
}

async function bodies(engine: Engine, queue: string): Promise<string[]> {
  return (await engine.receiveBatch(queue, { max: 16 })).map((m) => m.body).sort();
}

describe('topic administration', () => {
  it('creates a topic with defaults, idempotently with the same attributes, TOPIC_EXISTS with others', async () => {
    const { engine, clock } = testEngine();
    const { created, topic } = await engine.topics.createTopic('news');
    expect(created).toBe(true);
    expect(topic).toEqual({ name: 'news', attributes: { ...DEFAULT_TOPIC_ATTRIBUTES }, createdAt: clock.now(), modifiedAt: clock.now() });
    expect(DEFAULT_TOPIC_ATTRIBUTES).toEqual({ maxMsgSize: 1_048_576, filterType: 1 });
    const again = await engine.topics.createTopic('news', { filterType: 1 });
    expect(again).toEqual({ created: false, topic });
    await rejectsWith(engine.topics.createTopic('news', { filterType: 2 }), 'TOPIC_EXISTS');
    expect(await engine.topics.getTopic('news')).toEqual(topic);
  });

  it('refuses bad names and attributes before storing anything', async () => {
    const { engine } = testEngine();
    await rejectsWith(engine.topics.createTopic('1bad'), 'INVALID_NAME');
    await rejectsWith(engine.topics.createTopic('t', { filterType: 3 } as never), 'INVALID_ATTRIBUTE');
    await rejectsWith(engine.topics.createTopic('t', { maxMsgSize: 100 }), 'INVALID_ATTRIBUTE');
    await rejectsWith(engine.topics.createTopic('t', { colour: 1 } as never), 'INVALID_ATTRIBUTE');
    expect((await engine.topics.listTopics()).total).toBe(0);
    await rejectsWith(engine.topics.getTopic('t'), 'TOPIC_NOT_FOUND');
  });

  it('lists by prefix with paging', async () => {
    const { engine } = testEngine();
    for (const name of ['a_1', 'a_2', 'a_3', 'ab', 'b']) await engine.topics.createTopic(name);
    const page = await engine.topics.listTopics({ prefix: 'a_', limit: 2, offset: 1 });
    expect(page.total).toBe(3);
    expect(page.topics.map((t) => t.name)).toEqual(['a_2', 'a_3']);
    expect((await engine.topics.listTopics()).topics.map((t) => t.name)).toEqual(['a_1', 'a_2', 'a_3', 'ab', 'b']);
  });

  it('changes maxMsgSize; filterType is fixed once set', async () => {
    const { engine, clock } = testEngine();
    await engine.topics.createTopic('news', { filterType: 2 });
    await clock.advance(1000);
    const changed = await engine.topics.setTopicAttributes('news', { maxMsgSize: 2048 });
    expect(changed.attributes).toEqual({ maxMsgSize: 2048, filterType: 2 });
    expect(changed.modifiedAt).toBe(clock.now());
    expect(await engine.topics.getTopic('news')).toEqual(changed);
    await rejectsWith(engine.topics.setTopicAttributes('news', { filterType: 1 }), 'INVALID_ATTRIBUTE');
    await rejectsWith(engine.topics.setTopicAttributes('nope', { maxMsgSize: 2048 }), 'TOPIC_NOT_FOUND');
  });

  it('refuses to delete a topic that has subscriptions (CMQ), and deletes it once they are gone', async () => {
    const { engine } = testEngine();
    await withQueues(engine, 'inbox');
    await engine.topics.createTopic('news');
    await engine.topics.subscribe('news', 's1', { protocol: 'queue', endpoint: 'inbox' });
    await rejectsWith(engine.topics.deleteTopic('news'), 'TOPIC_HAS_SUBSCRIPTIONS');
    await engine.topics.unsubscribe('news', 's1');
    await engine.topics.deleteTopic('news');
    await rejectsWith(engine.topics.getTopic('news'), 'TOPIC_NOT_FOUND');
    await rejectsWith(engine.topics.deleteTopic('news'), 'TOPIC_NOT_FOUND');
  });
});

describe('subscriptions', () => {
  it('subscribes a queue with CMQ defaults, gets, lists, changes and removes it', async () => {
    const { engine, clock } = testEngine();
    await withQueues(engine, 'inbox', 'other');
    await engine.topics.createTopic('news');
    const sub = await engine.topics.subscribe('news', 'mail', { protocol: 'queue', endpoint: 'inbox', filterTags: ['a', 'b'] });
    expect(sub).toEqual({
      topic: 'news',
      name: 'mail',
      protocol: 'queue',
      endpoint: 'inbox',
      deliveryQueue: 'inbox',
      notifyStrategy: 'EXPONENTIAL_DECAY_RETRY',
      notifyContentFormat: 'SIMPLIFIED',
      filterTags: ['a', 'b'],
      bindingKeys: [],
      createdAt: clock.now(),
      modifiedAt: clock.now(),
    });
    expect(await engine.topics.getSubscription('news', 'mail')).toEqual(sub);
    await engine.topics.subscribe('news', 'all', { protocol: 'queue', endpoint: 'other' });
    const list = await engine.topics.listSubscriptions('news');
    expect(list.total).toBe(2);
    expect(list.subscriptions.map((s) => s.name)).toEqual(['all', 'mail']);
    expect((await engine.topics.listSubscriptions('news', { prefix: 'm' })).subscriptions).toEqual([sub]);
    await clock.advance(1000);
    const changed = await engine.topics.setSubscriptionAttributes('news', 'mail', { filterTags: [], notifyStrategy: 'BACKOFF_RETRY' });
    expect(changed).toMatchObject({ filterTags: [], notifyStrategy: 'BACKOFF_RETRY', endpoint: 'inbox', modifiedAt: clock.now() });
    expect(await engine.topics.getSubscription('news', 'mail')).toEqual(changed);
    await engine.topics.unsubscribe('news', 'mail');
    await rejectsWith(engine.topics.getSubscription('news', 'mail'), 'SUBSCRIPTION_NOT_FOUND');
    await rejectsWith(engine.topics.unsubscribe('news', 'mail'), 'SUBSCRIPTION_NOT_FOUND');
  });

  it('refuses what CMQ refuses', async () => {
    const { engine } = testEngine();
    await withQueues(engine, 'inbox');
    await engine.topics.createTopic('tags');
    await engine.topics.createTopic('keys', { filterType: 2 });
    const sub = (over: object) => ({ protocol: 'queue' as const, endpoint: 'inbox', ...over });
    await rejectsWith(engine.topics.subscribe('nope', 's', sub({})), 'TOPIC_NOT_FOUND');
    await rejectsWith(engine.topics.subscribe('tags', 's', sub({ endpoint: 'missing' })), 'QUEUE_NOT_FOUND');
    await rejectsWith(engine.topics.subscribe('tags', 's', sub({ protocol: 'http', endpoint: 'example.com' })), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.subscribe('tags', 's', sub({ endpoint: 'spool-push-1' })), 'INVALID_NAME');
    await rejectsWith(engine.topics.subscribe('tags', 's', sub({ protocol: 'smtp' })), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.subscribe('tags', 's', sub({ notifyContentFormat: 'JSON' })), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.subscribe('tags', 's', sub({ notifyStrategy: 'SOMETIMES' })), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.subscribe('tags', 's', sub({ filterTags: ['1', '2', '3', '4', '5', '6'] })), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.subscribe('tags', 's', sub({ filterTags: ['x'.repeat(17)] })), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.subscribe('tags', 's', sub({ bindingKeys: ['a'] })), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.subscribe('keys', 's', sub({})), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.subscribe('keys', 's', sub({ filterTags: ['a'] })), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.subscribe('keys', 's', sub({ bindingKeys: ['x'.repeat(65)] })), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.subscribe('keys', 's', sub({ bindingKeys: ['a.'.repeat(16) + 'a'] })), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.subscribe('keys', 's', sub({ bindingKeys: ['a', 'b', 'c', 'd', 'e', 'f'] })), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.subscribe('tags', '9s', sub({})), 'INVALID_NAME');
    await rejectsWith(engine.topics.subscribe('tags', 's', sub({ extra: 1 })), 'INVALID_PARAMETER');
    expect((await engine.topics.listSubscriptions('tags')).total).toBe(0);
    expect((await engine.topics.listSubscriptions('keys')).total).toBe(0);
    await engine.topics.subscribe('keys', 's', sub({ bindingKeys: ['a.'.repeat(15) + 'a'] }));
    await rejectsWith(engine.topics.subscribe('keys', 's', sub({ bindingKeys: ['b'] })), 'SUBSCRIPTION_EXISTS');
    await rejectsWith(engine.topics.setSubscriptionAttributes('keys', 's', { bindingKeys: [] }), 'INVALID_PARAMETER');
  });

  it('caps subscriptions per topic at 100 (CMQ 4500)', async () => {
    const { engine } = testEngine();
    await withQueues(engine, 'inbox');
    await engine.topics.createTopic('news');
    await Promise.all(Array.from({ length: 100 }, (_, i) => engine.topics.subscribe('news', `s${i}`, { protocol: 'queue', endpoint: 'inbox' })));
    await rejectsWith(engine.topics.subscribe('news', 'one-more', { protocol: 'queue', endpoint: 'inbox' }), 'SUBSCRIPTION_LIMIT');
  });
});

describe('http subscriptions', () => {
  it('get a push queue made with them, which publish writes into in the same commit, and which goes with them', async () => {
    const { engine } = testEngine();
    await withQueues(engine, 'inbox');
    await engine.topics.createTopic('news');
    const hook = await engine.topics.subscribe('news', 'hook', { protocol: 'http', endpoint: 'https://example.com/hook', notifyStrategy: 'BACKOFF_RETRY' });
    expect(hook).toMatchObject({ protocol: 'http', endpoint: 'https://example.com/hook', notifyContentFormat: 'JSON', notifyStrategy: 'BACKOFF_RETRY' });
    expect(hook.deliveryQueue).toMatch(/^spool-push-\d+$/);
    expect((await engine.getQueue(hook.deliveryQueue)).attributes.visibilityTimeout).toBe(60);
    await engine.topics.subscribe('news', 'queue', { protocol: 'queue', endpoint: 'inbox' });
    const msgId = await engine.topics.publish('news', { body: 'both' });
    const push = (await engine.receive(hook.deliveryQueue))!;
    expect(push).toMatchObject({ body: 'both', attributes: { [COPY_ATTRIBUTES.msgId]: msgId, [COPY_ATTRIBUTES.subscription]: 'hook' } });
    expect((await engine.receive('inbox'))!.body).toBe('both');
    await rejectsWith(engine.createQueue(hook.deliveryQueue), 'INVALID_NAME');
    await engine.topics.unsubscribe('news', 'hook');
    await rejectsWith(engine.getQueue(hook.deliveryQueue), 'QUEUE_NOT_FOUND');
    expect((await engine.listQueues()).queues.map((q) => q.name)).toEqual(['inbox']);
  });

  it('take JSON or SIMPLIFIED, and CMQ’s endpoint rules', async () => {
    const { engine } = testEngine();
    await engine.topics.createTopic('news');
    const simple = await engine.topics.subscribe('news', 's', { protocol: 'http', endpoint: 'http://127.0.0.1:9/x', notifyContentFormat: 'SIMPLIFIED' });
    expect(simple.notifyContentFormat).toBe('SIMPLIFIED');
    expect((await engine.topics.setSubscriptionAttributes('news', 's', { notifyContentFormat: 'JSON' })).notifyContentFormat).toBe('JSON');
    for (const endpoint of ['ftp://x/', 'http://a b/', `http://x/${'y'.repeat(500)}`, 'inbox']) {
      await rejectsWith(engine.topics.subscribe('news', 't', { protocol: 'http', endpoint }), 'INVALID_PARAMETER');
    }
    await rejectsWith(engine.topics.subscribe('news', 't', { protocol: 'http', endpoint: 'http://x/', notifyContentFormat: 'XML' as never }), 'INVALID_PARAMETER');
  });
});

describe('publish', () => {
  it('fans a message out to every subscribed queue, marked with its topic', async () => {
    const { engine, clock } = testEngine();
    await withQueues(engine, 'q1', 'q2', 'q3');
    await engine.topics.createTopic('news');
    for (const q of ['q1', 'q2', 'q3']) await engine.topics.subscribe('news', `to-${q}`, { protocol: 'queue', endpoint: q });
    const msgId = await engine.topics.publish('news', { body: 'hello', tags: ['x'] });
    expect(msgId).toMatch(/^[0-9a-f-]{36}$/);
    for (const q of ['q1', 'q2', 'q3']) {
      const m = (await engine.receive(q))!;
      expect(m).toMatchObject({ body: 'hello', enqueueTime: clock.now(), dequeueCount: 1 });
      expect(m.attributes).toEqual({
        [COPY_ATTRIBUTES.topic]: 'news',
        [COPY_ATTRIBUTES.subscription]: `to-${q}`,
        [COPY_ATTRIBUTES.msgId]: msgId,
        [COPY_ATTRIBUTES.tags]: '["x"]',
      });
      expect(await engine.stats(q)).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 1, delayMsgNum: 0 });
    }
  });

  it('filters by tags: untagged subscriptions get all, tagged ones only shared tags, untagged messages no tagged subscription', async () => {
    const { engine } = testEngine();
    await withQueues(engine, 'all', 'red', 'redblue');
    await engine.topics.createTopic('paint');
    await engine.topics.subscribe('paint', 'all', { protocol: 'queue', endpoint: 'all' });
    await engine.topics.subscribe('paint', 'red', { protocol: 'queue', endpoint: 'red', filterTags: ['red'] });
    await engine.topics.subscribe('paint', 'redblue', { protocol: 'queue', endpoint: 'redblue', filterTags: ['red', 'blue'] });
    await engine.topics.publish('paint', { body: 'plain' });
    await engine.topics.publish('paint', { body: 'red', tags: ['red'] });
    await engine.topics.publish('paint', { body: 'blue+green', tags: ['blue', 'green'] });
    await engine.topics.publish('paint', { body: 'green', tags: ['green'] });
    expect(await bodies(engine, 'all')).toEqual(['blue+green', 'green', 'plain', 'red']);
    expect(await bodies(engine, 'red')).toEqual(['red']);
    expect(await bodies(engine, 'redblue')).toEqual(['blue+green', 'red']);
  });

  it('routes by key with * and #', async () => {
    const { engine } = testEngine();
    await withQueues(engine, 'star', 'hash', 'exact');
    await engine.topics.createTopic('logs', { filterType: 2 });
    await engine.topics.subscribe('logs', 'star', { protocol: 'queue', endpoint: 'star', bindingKeys: ['*.error'] });
    await engine.topics.subscribe('logs', 'hash', { protocol: 'queue', endpoint: 'hash', bindingKeys: ['app.#'] });
    await engine.topics.subscribe('logs', 'exact', { protocol: 'queue', endpoint: 'exact', bindingKeys: ['db.info', 'app'] });
    await engine.topics.publishBatch('logs', [
      { body: '1', routingKey: 'app.error' },
      { body: '2', routingKey: 'app' },
      { body: '3', routingKey: 'db.error' },
      { body: '4', routingKey: 'db.info' },
      { body: '5', routingKey: 'app.web.error' },
    ]);
    expect(await bodies(engine, 'star')).toEqual(['1', '3']);
    expect(await bodies(engine, 'hash')).toEqual(['1', '2', '5']);
    expect(await bodies(engine, 'exact')).toEqual(['2', '4']);
    await rejectsWith(engine.topics.publish('logs', { body: 'x' }), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.publish('logs', { body: 'x', routingKey: 'a', tags: ['t'] }), 'INVALID_PARAMETER');
  });

  it('refuses a message that reaches nobody with TOPIC_NO_MATCH (CMQ 6030), storing nothing', async () => {
    const { engine } = testEngine();
    await withQueues(engine, 'red');
    await engine.topics.createTopic('paint');
    await rejectsWith(engine.topics.publish('paint', { body: 'x' }), 'TOPIC_NO_MATCH');
    await engine.topics.subscribe('paint', 'red', { protocol: 'queue', endpoint: 'red', filterTags: ['red'] });
    const err = await rejectsWith(engine.topics.publish('paint', { body: 'x', tags: ['blue'] }), 'TOPIC_NO_MATCH');
    expect(err.message).toContain('matches');
    // A batch is all or nothing: one message without a match refuses it all.
    await rejectsWith(engine.topics.publishBatch('paint', [{ body: 'ok', tags: ['red'] }, { body: 'no' }]), 'TOPIC_NO_MATCH');
    expect((await engine.stats('red')).activeMsgNum).toBe(0);
    await rejectsWith(engine.topics.publish('nope', { body: 'x' }), 'TOPIC_NOT_FOUND');
  });

  it('is atomic: a gone or full target queue refuses the publish, and no queue gets a copy', async () => {
    const { engine } = testEngine();
    await withQueues(engine, 'a', 'z');
    await engine.createQueue('full', { maxMsgHeapNum: 1 });
    await engine.send('full', { body: 'filler' });
    await engine.topics.createTopic('news');
    await engine.topics.subscribe('news', 'a', { protocol: 'queue', endpoint: 'a' });
    await engine.topics.subscribe('news', 'full', { protocol: 'queue', endpoint: 'full' });
    await engine.topics.subscribe('news', 'z', { protocol: 'queue', endpoint: 'z' });
    await rejectsWith(engine.topics.publish('news', { body: 'x' }), 'BACKLOG_FULL');
    expect((await engine.stats('a')).activeMsgNum).toBe(0);
    expect((await engine.stats('z')).activeMsgNum).toBe(0);
    await engine.topics.unsubscribe('news', 'full');
    await engine.deleteQueue('z');
    const err = await rejectsWith(engine.topics.publish('news', { body: 'x' }), 'SUBSCRIBED_QUEUE_NOT_FOUND');
    expect(err.message).toContain('"z"');
    expect((await engine.stats('a')).activeMsgNum).toBe(0);
    await engine.topics.unsubscribe('news', 'z');
    await engine.topics.publish('news', { body: 'x' });
    expect(await bodies(engine, 'a')).toEqual(['x']);
  });

  it('publishes a batch of up to 16 in one call; refuses more, none and bad bodies', async () => {
    const { engine } = testEngine();
    await withQueues(engine, 'q1', 'q2');
    await engine.topics.createTopic('news', { maxMsgSize: 1024 });
    await engine.topics.subscribe('news', 's1', { protocol: 'queue', endpoint: 'q1' });
    await engine.topics.subscribe('news', 's2', { protocol: 'queue', endpoint: 'q2' });
    const ids = await engine.topics.publishBatch('news', Array.from({ length: 16 }, (_, i) => ({ body: `m${i}` })));
    expect(new Set(ids).size).toBe(16);
    expect((await engine.stats('q1')).activeMsgNum).toBe(16);
    expect((await engine.stats('q2')).activeMsgNum).toBe(16);
    await rejectsWith(engine.topics.publishBatch('news', Array.from({ length: 17 }, () => ({ body: 'm' }))), 'BATCH_TOO_LARGE');
    await rejectsWith(engine.topics.publishBatch('news', []), 'BATCH_EMPTY');
    await rejectsWith(engine.topics.publish('news', { body: 'x'.repeat(1025) }), 'MESSAGE_TOO_LARGE');
    await rejectsWith(engine.topics.publish('news', { body: '' }), 'INVALID_MESSAGE_BODY');
    await rejectsWith(engine.topics.publish('news', { body: 'x', routingKey: 'a' }), 'INVALID_PARAMETER');
    await rejectsWith(engine.topics.publish('news', { body: 'x', tags: ['a', 'b', 'c', 'd', 'e', 'f'] }), 'INVALID_PARAMETER');
    expect((await engine.stats('q1')).activeMsgNum).toBe(16);
  });

  it('wakes a consumer waiting on a subscribed queue', async () => {
    const { engine } = testEngine();
    await withQueues(engine, 'inbox');
    await engine.topics.createTopic('news');
    await engine.topics.subscribe('news', 's', { protocol: 'queue', endpoint: 'inbox' });
    const waiting = engine.receive('inbox', { waitSeconds: 10 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await engine.topics.publish('news', { body: 'woke' });
    expect((await waiting)?.body).toBe('woke');
  });

  it('survives a reopen: topics, subscriptions and published copies are durable', async () => {
    let t = testEngine();
    await withQueues(t.engine, 'inbox');
    await t.engine.topics.createTopic('news', { filterType: 2 });
    await t.engine.topics.subscribe('news', 's', { protocol: 'queue', endpoint: 'inbox', bindingKeys: ['a.#'] });
    const msgId = await t.engine.topics.publish('news', { body: 'kept', routingKey: 'a.b' });
    t = await t.reopen();
    expect((await t.engine.topics.getTopic('news')).attributes.filterType).toBe(2);
    expect((await t.engine.topics.getSubscription('news', 's')).bindingKeys).toEqual(['a.#']);
    const m = (await t.engine.receive('inbox'))!;
    expect(m.body).toBe('kept');
    expect(m.attributes).toMatchObject({ [COPY_ATTRIBUTES.msgId]: msgId, [COPY_ATTRIBUTES.routingKey]: 'a.b' });
  });
});
