/**
 * Topics, CMQ's pub/sub model (docs/topics.md): topics, their subscriptions, and publish, which
 * copies a message into the queue of every matching subscription. The copies of one publish (or
 * one batch) are written in one commit: an acknowledged publish is in every matching queue, and a
 * refused one in none. The engine exposes this as `engine.topics`.
 */
import { randomUUID } from 'node:crypto';
import { SpoolError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { NewMessage, QueueRecord, Store } from '../store/store.js';
import type { FanOutCopy, ListTopicsQuery, SubscriptionRecord, TopicRecord } from '../store/topic-store.js';
import { PUSH_QUEUE_PREFIX, subscriptionNotFound, topicNotFound } from '../store/topic-rows.js';
import { DEFAULT_ATTRIBUTES, type QueueAttributes } from './attributes.js';
import type { Clock } from './clock.js';
import {
  checkPublish,
  resolveSettingsInput,
  resolveSubscription,
  resolveTopicAttributes,
  sameTopicAttributes,
  type PublishInput,
  type SubscriptionInput,
  type SubscriptionSettingsInput,
  type TopicAttributesInput,
} from './topic-input.js';
import { readEveryPage, type ListPage } from './paging.js';
import { subscriptionMatches } from './topic-match.js';
import { checkBatch, checkListQuery, checkQueueName } from './validate.js';

/** What the topics need of the engine. */
export interface TopicsContext {
  store: Store;
  clock: Clock;
  /** Throws CLOSED once the engine is closing. */
  checkOpen(): void;
  getQueue(name: string): Promise<QueueRecord>;
  /** Copies were committed to these queues (count per queue): wake their consumers. */
  delivered(counts: Map<string, number>): void;
  /** A push queue was deleted with its subscription: forget what is cached of it. */
  queueDeleted(name: string): void;
}

/**
 * The push queue of an http subscription: a lease outlasts the longest push (server options cap
 * the push timeout below it), and retention is long: giving up is the pusher's decision
 * (notifyStrategy), not the sweep's.
 */
const PUSH_QUEUE_ATTRIBUTES: Readonly<QueueAttributes> = Object.freeze({ ...DEFAULT_ATTRIBUTES, visibilityTimeout: 60, msgRetentionSeconds: 1_296_000 });

/** Attributes every copy carries, so a consumer can tell where it came from. */
export const COPY_ATTRIBUTES = {
  topic: 'spool.topic',
  subscription: 'spool.subscription',
  msgId: 'spool.topicMsgId',
  tags: 'spool.tags',
  routingKey: 'spool.routingKey',
} as const;

export class Topics {
  constructor(private readonly context: TopicsContext) {}

  /** Creates a topic; the same name with the same attributes is not an error (created: false). TOPIC_EXISTS on different attributes. */
  async createTopic(name: string, attributes?: TopicAttributesInput): Promise<{ created: boolean; topic: TopicRecord }> {
    this.context.checkOpen();
    checkQueueName(name, 'topic name');
    const resolved = resolveTopicAttributes(attributes);
    const result = await this.context.store.createTopic(name, resolved, this.context.clock.now());
    if (!result.created && !sameTopicAttributes(result.topic.attributes, resolved)) {
      throw new SpoolError('TOPIC_EXISTS', `topic ${JSON.stringify(name)} exists with other attributes`);
    }
    return result;
  }

  /** TOPIC_NOT_FOUND when there is none. */
  async getTopic(name: string): Promise<TopicRecord> {
    this.context.checkOpen();
    checkQueueName(name, 'topic name');
    const topic = await this.context.store.getTopic(name);
    if (!topic) throw topicNotFound(name);
    return topic;
  }

  /** Topics whose names start with `prefix`, by name; limit 1-1000 (default 20). */
  async listTopics(query: Partial<ListTopicsQuery> = {}): Promise<{ total: number; topics: TopicRecord[] }> {
    this.context.checkOpen();
    return this.context.store.listTopics(checkListQuery(query));
  }

  /** The topics from `offset`, at most `limit` of them, in name order, as a list page. */
  readonly topicsPage = async (offset: number, limit: number): Promise<ListPage<TopicRecord>> => {
    const { total, topics } = await this.listTopics({ offset, limit });
    return { total, items: topics };
  };

  /** Every topic, in name order, read a page at a time. */
  allTopics(): Promise<TopicRecord[]> {
    return readEveryPage(this.topicsPage);
  }

  /** Changes maxMsgSize; filterType is fixed once set (INVALID_ATTRIBUTE). */
  async setTopicAttributes(name: string, attributes: TopicAttributesInput): Promise<TopicRecord> {
    const current = await this.getTopic(name);
    return this.context.store.updateTopic(name, resolveTopicAttributes(attributes, current.attributes), this.context.clock.now());
  }

  /** TOPIC_HAS_SUBSCRIPTIONS while any remain, as CMQ. */
  async deleteTopic(name: string): Promise<void> {
    this.context.checkOpen();
    checkQueueName(name, 'topic name');
    await this.context.store.deleteTopic(name);
  }

  /**
   * Subscribes a queue (which must exist) or an HTTP endpoint (through a push queue made with it,
   * docs/topics.md) to the topic. SUBSCRIPTION_EXISTS, SUBSCRIPTION_LIMIT, QUEUE_NOT_FOUND.
   */
  async subscribe(topic: string, name: string, input: SubscriptionInput): Promise<SubscriptionRecord> {
    const { attributes } = await this.getTopic(topic);
    const subscription = resolveSubscription(topic, name, input, attributes.filterType);
    if (subscription.protocol === 'queue') {
      if (subscription.endpoint.startsWith(PUSH_QUEUE_PREFIX)) throw reservedName(subscription.endpoint);
      await this.context.getQueue(subscription.endpoint);
    }
    return this.context.store.createSubscription(subscription, this.context.clock.now(), LIMITS.subscriptionsPerTopicMax, PUSH_QUEUE_ATTRIBUTES);
  }

  async getSubscription(topic: string, name: string): Promise<SubscriptionRecord> {
    this.context.checkOpen();
    checkQueueName(topic, 'topic name');
    checkQueueName(name, 'subscription name');
    const subscription = await this.context.store.getSubscription(topic, name);
    if (!subscription) throw subscriptionNotFound(topic, name);
    return subscription;
  }

  async listSubscriptions(topic: string, query: Partial<ListTopicsQuery> = {}): Promise<{ total: number; subscriptions: SubscriptionRecord[] }> {
    this.context.checkOpen();
    checkQueueName(topic, 'topic name');
    return this.context.store.listSubscriptions(topic, checkListQuery(query));
  }

  /** Changes notifyStrategy, notifyContentFormat, filterTags or bindingKeys; the others keep their values. */
  async setSubscriptionAttributes(topic: string, name: string, settings: SubscriptionSettingsInput): Promise<SubscriptionRecord> {
    const { attributes } = await this.getTopic(topic);
    const current = await this.getSubscription(topic, name);
    const resolved = resolveSettingsInput(settings, current, attributes.filterType);
    return this.context.store.updateSubscription(topic, name, resolved, this.context.clock.now());
  }

  /** Removes the subscription; an http one's push queue goes with it, pushes not yet made included. */
  async unsubscribe(topic: string, name: string): Promise<void> {
    const subscription = await this.getSubscription(topic, name);
    await this.context.store.deleteSubscription(topic, name);
    if (subscription.protocol === 'http') this.context.queueDeleted(subscription.deliveryQueue);
  }

  /**
   * Publishes one message; resolves with its msgId (a UUID, also in each copy's `spool.topicMsgId`)
   * once every copy is durable. TOPIC_NO_MATCH when no subscription takes it (CMQ 6030).
   */
  async publish(topic: string, message: PublishInput): Promise<string> {
    const [msgId] = await this.fanOut(topic, [message]);
    return msgId!;
  }

  /** Publishes 1-16 messages in one commit: all are delivered or none. */
  async publishBatch(topic: string, messages: PublishInput[]): Promise<string[]> {
    return this.fanOut(topic, checkBatch<PublishInput>(messages, 'messages'));
  }

  private async fanOut(topicName: string, inputs: PublishInput[]): Promise<string[]> {
    this.context.checkOpen();
    checkQueueName(topicName, 'topic name');
    const targets = await this.context.store.publishTargets(topicName);
    if (!targets) throw topicNotFound(topicName);
    const { topic, subscriptions } = targets;
    const messages = inputs.map((input) => checkPublish(input, topic.attributes));
    if (subscriptions.length === 0) throw new SpoolError('TOPIC_NO_MATCH', `topic ${JSON.stringify(topicName)} has no subscriptions: the message would reach nobody`);
    const now = this.context.clock.now();
    const msgIds: string[] = [];
    const copies: FanOutCopy[] = [];
    messages.forEach((message, i) => {
      const targets = subscriptions.filter((s) => subscriptionMatches(topic.attributes.filterType, s, message));
      if (targets.length === 0) {
        const which = messages.length > 1 ? `message ${i}` : 'the message';
        throw new SpoolError('TOPIC_NO_MATCH', `no subscription of topic ${JSON.stringify(topicName)} matches ${which}'s ${message.routingKey === null ? 'tags' : 'routing key'}`);
      }
      const msgId = randomUUID();
      msgIds.push(msgId);
      const shared = copyAttributes(topicName, msgId, message);
      for (const s of targets) copies.push({ queue: s.deliveryQueue, message: copyOf(shared, s.name, message.body, now) });
    });
    try {
      await this.context.store.fanOut(copies, now);
    } catch (err) {
      if (err instanceof SpoolError && err.code === 'QUEUE_NOT_FOUND') {
        const gone = subscriptions.filter((s) => err.message.includes(JSON.stringify(s.deliveryQueue))).map((s) => s.name);
        throw new SpoolError('SUBSCRIBED_QUEUE_NOT_FOUND', `${err.message}; it is subscribed to topic ${JSON.stringify(topicName)} by ${gone.join(', ')}: nothing was published`, { cause: err });
      }
      throw err;
    }
    const counts = new Map<string, number>();
    for (const copy of copies) counts.set(copy.queue, (counts.get(copy.queue) ?? 0) + 1);
    this.context.delivered(counts);
    return msgIds;
  }
}

/** The attributes every copy of a published message carries, made once per message. */
function copyAttributes(topic: string, msgId: string, message: { tags: readonly string[]; routingKey: string | null }): Record<string, string> {
  const attributes: Record<string, string> = { [COPY_ATTRIBUTES.topic]: topic, [COPY_ATTRIBUTES.msgId]: msgId };
  if (message.tags.length > 0) attributes[COPY_ATTRIBUTES.tags] = JSON.stringify(message.tags);
  if (message.routingKey !== null) attributes[COPY_ATTRIBUTES.routingKey] = message.routingKey;
  return attributes;
}

function copyOf(shared: Record<string, string>, subscription: string, body: string, now: number): NewMessage {
  const attributes = { ...shared, [COPY_ATTRIBUTES.subscription]: subscription };
  return { body, priority: 0, visibleAt: now, attributes, dedupId: null, replyTo: null, correlationId: null, lease: null };
}

/** Push queues are Spool's: nobody creates one or subscribes one as a queue. */
export function reservedName(name: string): SpoolError {
  return new SpoolError('INVALID_NAME', `queue names starting with ${JSON.stringify(PUSH_QUEUE_PREFIX)} are reserved for the push queues of http subscriptions, got ${JSON.stringify(name)}`);
}
