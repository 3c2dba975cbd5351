/**
 * Subscription actions: Subscribe, ListSubscriptionByTopic, GetSubscriptionAttributes,
 * SetSubscriptionAttributes, Unsubscribe and ClearSubscriptionFilterTags, on the engine's
 * subscriptions (docs/topics.md). A subscription's `endpoint` is a queue name (protocol `queue`:
 * each matching message is copied into it) or a URL (protocol `http`: the broker's pusher POSTs
 * each one to it, retrying by notifyStrategy).
 */
import type { Engine } from '../../../engine/engine.js';
import { SpoolError } from '../../../errors.js';
import type { SubscriptionRecord } from '../../../store/topic-store.js';
import type { CmqAction } from './context.js';
import { listPage, listReply, readPage, type Paging } from './listing.js';
import { seconds, subscriptionId, subscriptionNamed, topicNamed } from './naming.js';
import { readEndpoint, readProtocol, readSettings, refining } from './topic-params.js';

/** CMQ's paging of ListSubscriptionByTopic: offset 0-1000, limit up to 100 (a topic's most). */
const SUBSCRIPTION_PAGING: Paging = { limitMax: 100, offsetMax: 1000 };

/** The module code of a Subscribe without bindingKey.n to a topic that routes by key (filterType 2). */
const BINDING_KEY_MISSING = 10710;

export const subscribe: CmqAction = async (params, { engine }) => {
  const topic = topicNamed(params);
  const name = subscriptionNamed(params);
  const protocol = readProtocol(params);
  const endpoint = readEndpoint(params, protocol);
  const settings = readSettings(params, protocol);
  const keyMissing = settings.bindingKeys === undefined ? BINDING_KEY_MISSING : null;
  const subscription = await refining(engine, topic, keyMissing, () => engine.topics.subscribe(topic, name, { protocol, endpoint, ...settings }));
  return { subscriptionId: subscriptionId(subscription) };
};

export const listSubscriptionByTopic: CmqAction = async (params, { engine }) => {
  const topic = topicNamed(params);
  const page = readPage(params, SUBSCRIPTION_PAGING);
  const listed = await listPage(page, async (offset, limit) => {
    const { total, subscriptions } = await engine.topics.listSubscriptions(topic, { offset, limit });
    return { total, items: subscriptions };
  });
  return listReply(
    'subscriptionList',
    (s: SubscriptionRecord) => ({ subscriptionId: subscriptionId(s), subscriptionName: s.name, protocol: s.protocol, endpoint: s.endpoint }),
    listed,
  );
};

export const getSubscriptionAttributes: CmqAction = async (params, { engine }) => {
  const s = await engine.topics.getSubscription(topicNamed(params), subscriptionNamed(params));
  return {
    subscriptionId: subscriptionId(s),
    msgCount: await pending(engine, s),
    protocol: s.protocol,
    endpoint: s.endpoint,
    notifyStrategy: s.notifyStrategy,
    notifyContentFormat: s.notifyContentFormat,
    createTime: seconds(s.createdAt),
    lastModifyTime: seconds(s.modifiedAt),
    bindingKey: s.bindingKeys,
    // `filterTag` is what CMQ's Java SDK reads, `filterTags` its Python SDK: both.
    filterTag: s.filterTags,
    filterTags: s.filterTags,
  };
};

/**
 * CMQ's msgCount, the messages waiting to be delivered: an http subscription's pushes not yet
 * made (its push queue's messages); none for a queue subscription, whose copies are in its queue
 * once published. A push queue deleted by hand holds none.
 */
async function pending(engine: Engine, subscription: SubscriptionRecord): Promise<number> {
  if (subscription.protocol === 'queue') return 0;
  try {
    const stats = await engine.stats(subscription.deliveryQueue);
    return stats.activeMsgNum + stats.inactiveMsgNum + stats.delayMsgNum;
  } catch (err) {
    if (err instanceof SpoolError && err.code === 'QUEUE_NOT_FOUND') return 0;
    throw err;
  }
}

/** notifyStrategy, notifyContentFormat, filterTag.n, bindingKey.n: each given one replaces the current. */
export const setSubscriptionAttributes: CmqAction = async (params, { engine }) => {
  const topic = topicNamed(params);
  const name = subscriptionNamed(params);
  // Read first for its protocol: a queue subscription takes SIMPLIFIED only (10640).
  const current = await engine.topics.getSubscription(topic, name);
  await engine.topics.setSubscriptionAttributes(topic, name, readSettings(params, current.protocol));
  return {};
};

export const unsubscribe: CmqAction = async (params, { engine }) => {
  await engine.topics.unsubscribe(topicNamed(params), subscriptionNamed(params));
  return {};
};

/** A routing-key topic's subscriptions have no filter tags: there is nothing to clear, and it succeeds. */
export const clearSubscriptionFilterTags: CmqAction = async (params, { engine }) => {
  const topic = topicNamed(params);
  const name = subscriptionNamed(params);
  const { attributes } = await engine.topics.getTopic(topic);
  await (attributes.filterType === 1 ? engine.topics.setSubscriptionAttributes(topic, name, { filterTags: [] }) : engine.topics.getSubscription(topic, name));
  return {};
};
