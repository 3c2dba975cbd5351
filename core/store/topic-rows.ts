/**
 * Topic and subscription rows as both stores read them, their conversion to the Store's records,
 * and the rules both apply the same way (delete refused while subscribed, the subscription cap).
 */
import { SpoolError } from '../errors.js';
import type { SubscriptionRecord, SubscriptionSettings, TopicAttributes, TopicRecord } from './topic-store.js';

export const TOPIC_COLUMNS = 'id, name, attributes, created_at, modified_at';

export interface RawTopicRow {
  id: number;
  name: string;
  attributes: string;
  created_at: number;
  modified_at: number;
}

/** A subscription row joined with its topic's name (`topic`). */
export const SUBSCRIPTION_COLUMNS = 's.id, t.name AS topic, s.name, s.protocol, s.endpoint, s.settings, s.created_at, s.modified_at';

/** Queue names Spool reserves for the push queues of 'http' subscriptions (docs/topics.md). */
export const PUSH_QUEUE_PREFIX = 'spool-push-';

export function pushQueueName(subscriptionId: number): string {
  return `${PUSH_QUEUE_PREFIX}${subscriptionId}`;
}

export interface RawSubscriptionRow {
  id: number;
  topic: string;
  name: string;
  protocol: string;
  endpoint: string;
  settings: string;
  created_at: number;
  modified_at: number;
}

export function toTopicRecord(raw: RawTopicRow): TopicRecord {
  return { name: raw.name, attributes: JSON.parse(raw.attributes) as TopicAttributes, createdAt: raw.created_at, modifiedAt: raw.modified_at };
}

export function toSubscriptionRecord(raw: RawSubscriptionRow): SubscriptionRecord {
  const settings = JSON.parse(raw.settings) as SubscriptionSettings;
  const protocol = raw.protocol as SubscriptionRecord['protocol'];
  return {
    topic: raw.topic,
    name: raw.name,
    protocol,
    endpoint: raw.endpoint,
    deliveryQueue: protocol === 'http' ? pushQueueName(raw.id) : raw.endpoint,
    ...settings,
    createdAt: raw.created_at,
    modifiedAt: raw.modified_at,
  };
}

/** The settings column: what setSubscriptionAttributes may change. */
export function settingsJson(s: SubscriptionSettings): string {
  return JSON.stringify({ notifyStrategy: s.notifyStrategy, notifyContentFormat: s.notifyContentFormat, filterTags: s.filterTags, bindingKeys: s.bindingKeys });
}

export function topicNotFound(name: string): SpoolError {
  return new SpoolError('TOPIC_NOT_FOUND', `topic ${JSON.stringify(name)} does not exist`);
}

export function subscriptionNotFound(topic: string, name: string): SpoolError {
  return new SpoolError('SUBSCRIPTION_NOT_FOUND', `topic ${JSON.stringify(topic)} has no subscription ${JSON.stringify(name)}`);
}

/** CMQ refuses to delete a topic that still has subscriptions (10540). */
export function checkTopicDeletable(name: string, subscriptions: number): void {
  if (subscriptions > 0) {
    throw new SpoolError('TOPIC_HAS_SUBSCRIPTIONS', `topic ${JSON.stringify(name)} has ${subscriptions} subscription(s); unsubscribe them first`);
  }
}

export function checkSubscribable(topic: string, name: string, exists: boolean, count: number, maxPerTopic: number): void {
  if (exists) throw new SpoolError('SUBSCRIPTION_EXISTS', `topic ${JSON.stringify(topic)} already has a subscription ${JSON.stringify(name)}`);
  if (count >= maxPerTopic) throw new SpoolError('SUBSCRIPTION_LIMIT', `topic ${JSON.stringify(topic)} has ${count} subscriptions, the most it may have`);
}

/** Copies grouped by target queue, in first-seen order, keeping each copy's index. */
export function groupByQueue<T extends { queue: string }>(copies: readonly T[]): Map<string, { index: number; copy: T }[]> {
  const groups = new Map<string, { index: number; copy: T }[]>();
  copies.forEach((copy, index) => {
    let group = groups.get(copy.queue);
    if (!group) groups.set(copy.queue, (group = []));
    group.push({ index, copy });
  });
  return groups;
}
