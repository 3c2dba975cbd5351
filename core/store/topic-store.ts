/**
 * What the engine needs from storage for topics (docs/topics.md): topic and subscription rows, and
 * the fan-out of a publish, which writes every copy in one commit. Both stores implement it as part
 * of Store. Refusals: TOPIC_NOT_FOUND, TOPIC_HAS_SUBSCRIPTIONS, SUBSCRIPTION_NOT_FOUND,
 * SUBSCRIPTION_EXISTS, SUBSCRIPTION_LIMIT, and QUEUE_NOT_FOUND or BACKLOG_FULL for a fan-out's
 * target queue. createTopic returns an existing topic as it is: comparing attributes
 * (TOPIC_EXISTS) is the engine's.
 */
import type { QueueAttributes } from '../engine/attributes.js';
import type { FilterType } from '../engine/topic-match.js';
import type { ListQueuesQuery, NewMessage } from './store.js';

export interface TopicAttributes {
  /** Largest message body, bytes (1024-1048576). */
  maxMsgSize: number;
  /** 1: subscriptions filter by tags; 2: by routing key. Fixed once the topic exists. */
  filterType: FilterType;
}

export interface TopicRecord {
  name: string;
  attributes: TopicAttributes;
  /** Unix ms. */
  createdAt: number;
  modifiedAt: number;
}

export type NotifyStrategy = 'BACKOFF_RETRY' | 'EXPONENTIAL_DECAY_RETRY';
export type NotifyContentFormat = 'JSON' | 'SIMPLIFIED';

/** A subscription's changeable settings. */
export interface SubscriptionSettings {
  notifyStrategy: NotifyStrategy;
  notifyContentFormat: NotifyContentFormat;
  filterTags: string[];
  bindingKeys: string[];
}

export interface SubscriptionRecord extends SubscriptionSettings {
  topic: string;
  name: string;
  /**
   * 'queue': each matching message is copied into the queue named by `endpoint`; 'http': into the
   * subscription's push queue, from which the broker POSTs it to the `endpoint` URL.
   */
  protocol: 'queue' | 'http';
  endpoint: string;
  /** The queue its copies go to: `endpoint` for 'queue', its push queue (`spool-push-<id>`) for 'http'. */
  deliveryQueue: string;
  createdAt: number;
  modifiedAt: number;
}

/** A new subscription as the engine hands it to the store. */
export type NewSubscription = Omit<SubscriptionRecord, 'createdAt' | 'modifiedAt' | 'deliveryQueue'>;

/** The same paging as queue lists. */
export type ListTopicsQuery = ListQueuesQuery;

/** One copy of a published message, bound for a queue. */
export interface FanOutCopy {
  queue: string;
  message: NewMessage;
}

export interface TopicStore {
  /** Creates a topic, or resolves with the existing one (created: false). */
  createTopic(name: string, attributes: TopicAttributes, now: number): Promise<{ created: boolean; topic: TopicRecord }>;
  getTopic(name: string): Promise<TopicRecord | null>;
  listTopics(query: ListTopicsQuery): Promise<{ total: number; topics: TopicRecord[] }>;
  updateTopic(name: string, attributes: TopicAttributes, now: number): Promise<TopicRecord>;
  /** TOPIC_HAS_SUBSCRIPTIONS while it has any. */
  deleteTopic(name: string): Promise<void>;

  /**
   * SUBSCRIPTION_EXISTS when the name is taken on the topic; SUBSCRIPTION_LIMIT past the cap. An
   * 'http' subscription's push queue is created in the same commit, with `pushQueue` attributes.
   */
  createSubscription(subscription: NewSubscription, now: number, maxPerTopic: number, pushQueue: QueueAttributes): Promise<SubscriptionRecord>;
  getSubscription(topic: string, name: string): Promise<SubscriptionRecord | null>;
  updateSubscription(topic: string, name: string, settings: SubscriptionSettings, now: number): Promise<SubscriptionRecord>;
  /** Deletes an 'http' subscription's push queue (and the pushes still in it) in the same commit. */
  deleteSubscription(topic: string, name: string): Promise<void>;
  /** A topic's subscriptions whose names start with `prefix`, by name; TOPIC_NOT_FOUND. */
  listSubscriptions(topic: string, query: ListTopicsQuery): Promise<{ total: number; subscriptions: SubscriptionRecord[] }>;

  /** What a publish needs, in one read: the topic, and all its subscriptions; null when there is no such topic. */
  publishTargets(topic: string): Promise<{ topic: TopicRecord; subscriptions: SubscriptionRecord[] } | null>;

  /**
   * Stores every copy in one commit, or none: QUEUE_NOT_FOUND or BACKLOG_FULL (naming the queue)
   * when a target queue is gone or full. Copies are stored ready, with no dedupId. msgIds in order.
   */
  fanOut(copies: FanOutCopy[], now: number): Promise<string[]>;
}
