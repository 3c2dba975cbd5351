/**
 * Checks of topic input: topic attributes, subscriptions and published messages, with CMQ's limits
 * (../shared/reference/cmq-sqs.md 2.1). Each failure is a SpoolError naming the field, raised before
 * anything is stored.
 */
import { SpoolError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { NewSubscription, NotifyContentFormat, NotifyStrategy, SubscriptionRecord, SubscriptionSettings, TopicAttributes } from '../store/topic-store.js';
import { checkInteger, describe } from './attributes.js';
import type { FilterType, MessageRouting } from './topic-match.js';
import { checkBody, checkQueueName } from './validate.js';

export const DEFAULT_TOPIC_ATTRIBUTES: Readonly<TopicAttributes> = Object.freeze({ maxMsgSize: 1_048_576, filterType: 1 });

export type TopicAttributesInput = Partial<TopicAttributes>;

/** Merges `input` over `base`; filterType cannot change once a topic has one (CMQ). */
export function resolveTopicAttributes(input: unknown, base?: Readonly<TopicAttributes>): TopicAttributes {
  const given: unknown = input ?? {};
  if (typeof given !== 'object' || given === null || Array.isArray(given)) throw new SpoolError('INVALID_ATTRIBUTE', 'attributes must be an object');
  const merged: TopicAttributes = { ...(base ?? DEFAULT_TOPIC_ATTRIBUTES) };
  for (const [key, value] of Object.entries(given)) {
    if (value === undefined) continue;
    if (key === 'maxMsgSize') merged.maxMsgSize = checkInteger('maxMsgSize', value, 1024, 1_048_576, 'INVALID_ATTRIBUTE');
    else if (key === 'filterType') merged.filterType = checkInteger('filterType', value, 1, 2, 'INVALID_ATTRIBUTE') as FilterType;
    else throw new SpoolError('INVALID_ATTRIBUTE', `unknown topic attribute ${JSON.stringify(key)}`);
  }
  if (base && merged.filterType !== base.filterType) {
    throw new SpoolError('INVALID_ATTRIBUTE', `filterType is fixed once set: this topic filters by ${base.filterType === 1 ? 'tags (1)' : 'routing key (2)'}`);
  }
  return merged;
}

export function sameTopicAttributes(a: TopicAttributes, b: TopicAttributes): boolean {
  return a.maxMsgSize === b.maxMsgSize && a.filterType === b.filterType;
}

/** What subscribe takes. */
export interface SubscriptionInput {
  /** 'queue': copies go into the queue named by `endpoint`; 'http': the broker POSTs them to the `endpoint` URL. */
  protocol: 'queue' | 'http';
  /** A queue name, or an http(s) URL of at most 500 characters. */
  endpoint: string;
  /** How failed pushes are retried (http): default EXPONENTIAL_DECAY_RETRY. */
  notifyStrategy?: NotifyStrategy;
  /** http: JSON (the default) or SIMPLIFIED (the raw body); queue: SIMPLIFIED only. */
  notifyContentFormat?: NotifyContentFormat;
  /** Tags topics (filterType 1): up to 5 tags of 1-16 characters; none means every message. */
  filterTags?: string[];
  /** Routing-key topics (filterType 2): 1-5 binding keys. */
  bindingKeys?: string[];
}

export type SubscriptionSettingsInput = Partial<SubscriptionSettings>;

const SUBSCRIPTION_FIELDS = new Set(['protocol', 'endpoint', 'notifyStrategy', 'notifyContentFormat', 'filterTags', 'bindingKeys']);
const SETTINGS_FIELDS = new Set(['notifyStrategy', 'notifyContentFormat', 'filterTags', 'bindingKeys']);

/** A new subscription, checked against its topic's filter type. */
export function resolveSubscription(topic: string, name: unknown, input: unknown, filterType: FilterType): NewSubscription {
  checkQueueName(name, 'subscription name');
  const fields = checkFields(input, SUBSCRIPTION_FIELDS, 'subscription');
  const { protocol } = fields;
  if (protocol !== 'queue' && protocol !== 'http') throw new SpoolError('INVALID_PARAMETER', `protocol must be "queue" or "http", got ${describe(protocol)}`);
  const endpoint = protocol === 'http' ? checkUrl(fields.endpoint) : checkQueueName(fields.endpoint, 'endpoint (the queue to copy messages into)');
  const base: SubscriptionSettings = {
    notifyStrategy: 'EXPONENTIAL_DECAY_RETRY',
    notifyContentFormat: protocol === 'http' ? 'JSON' : 'SIMPLIFIED',
    filterTags: [],
    bindingKeys: [],
  };
  return { topic, name: name as string, protocol, endpoint, ...resolveSettings(fields, base, filterType, protocol) };
}

/** Changed settings over the current ones (setSubscriptionAttributes). */
export function resolveSettingsInput(input: unknown, current: SubscriptionRecord, filterType: FilterType): SubscriptionSettings {
  return resolveSettings(checkFields(input, SETTINGS_FIELDS, 'subscription attributes'), current, filterType, current.protocol);
}

/** CMQ: http(s) only, at most 500 characters, no whitespace (4510). */
function checkUrl(value: unknown): string {
  let url: URL | null = null;
  if (typeof value === 'string' && value.length <= LIMITS.endpointMaxLength && !/\s/.test(value)) {
    try {
      url = new URL(value);
    } catch {
      url = null;
    }
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new SpoolError('INVALID_PARAMETER', `the endpoint of an http subscription must be an http:// or https:// URL of at most ${LIMITS.endpointMaxLength} characters without spaces, got ${describe(value)}`);
  }
  return value as string;
}

function resolveSettings(fields: Record<string, unknown>, base: SubscriptionSettings, filterType: FilterType, protocol: 'queue' | 'http'): SubscriptionSettings {
  const settings = { ...base };
  if (fields.notifyStrategy !== undefined) {
    if (fields.notifyStrategy !== 'BACKOFF_RETRY' && fields.notifyStrategy !== 'EXPONENTIAL_DECAY_RETRY') {
      throw new SpoolError('INVALID_PARAMETER', `notifyStrategy must be BACKOFF_RETRY or EXPONENTIAL_DECAY_RETRY, got ${describe(fields.notifyStrategy)}`);
    }
    settings.notifyStrategy = fields.notifyStrategy;
  }
  if (fields.notifyContentFormat !== undefined) {
    // CMQ: a queue subscription takes SIMPLIFIED only (10640); JSON is for HTTP endpoints.
    if (protocol === 'queue' && fields.notifyContentFormat !== 'SIMPLIFIED') {
      throw new SpoolError('INVALID_PARAMETER', `notifyContentFormat of a queue subscription must be SIMPLIFIED, got ${describe(fields.notifyContentFormat)}`);
    }
    if (fields.notifyContentFormat !== 'SIMPLIFIED' && fields.notifyContentFormat !== 'JSON') {
      throw new SpoolError('INVALID_PARAMETER', `notifyContentFormat must be JSON or SIMPLIFIED, got ${describe(fields.notifyContentFormat)}`);
    }
    settings.notifyContentFormat = fields.notifyContentFormat;
  }
  if (fields.filterTags !== undefined) {
    if (filterType !== 1) throw new SpoolError('INVALID_PARAMETER', 'filterTags are for topics that filter by tags (filterType 1); this one routes by key: give bindingKeys');
    settings.filterTags = checkTags(fields.filterTags, 'filterTags');
  }
  if (fields.bindingKeys !== undefined) {
    if (filterType !== 2) throw new SpoolError('INVALID_PARAMETER', 'bindingKeys are for topics that route by key (filterType 2); this one filters by tags: give filterTags');
    settings.bindingKeys = checkList(fields.bindingKeys, 'bindingKeys', LIMITS.bindingKeysMax).map((key) => checkRoutingKey(key, 'a binding key'));
  }
  if (filterType === 2 && settings.bindingKeys.length === 0) {
    throw new SpoolError('INVALID_PARAMETER', 'a subscription to a routing-key topic (filterType 2) needs 1-5 bindingKeys');
  }
  return settings;
}

/** A message to publish. */
export interface PublishInput {
  /** UTF-8 text, 1 byte up to the topic's maxMsgSize. */
  body: string;
  /** Tags topics: up to 5 tags of 1-16 characters. */
  tags?: string[];
  /** Routing-key topics: `.`-separated words, up to 64 bytes and 15 dots. */
  routingKey?: string;
}

const PUBLISH_FIELDS = new Set(['body', 'tags', 'routingKey']);

export function checkPublish(input: unknown, attributes: TopicAttributes): { body: string } & MessageRouting {
  const fields = checkFields(input, PUBLISH_FIELDS, 'message');
  const body = checkBody(fields.body, attributes.maxMsgSize);
  if (attributes.filterType === 1) {
    if (fields.routingKey !== undefined) throw new SpoolError('INVALID_PARAMETER', 'this topic filters by tags (filterType 1): give tags, not a routingKey');
    return { body, tags: fields.tags === undefined ? [] : checkTags(fields.tags, 'tags'), routingKey: null };
  }
  if (fields.tags !== undefined) throw new SpoolError('INVALID_PARAMETER', 'this topic routes by key (filterType 2): give a routingKey, not tags');
  if (fields.routingKey === undefined) throw new SpoolError('INVALID_PARAMETER', 'this topic routes by key (filterType 2): a message needs a routingKey');
  return { body, tags: [], routingKey: checkRoutingKey(fields.routingKey, 'routingKey') };
}

function checkFields(input: unknown, allowed: Set<string>, what: string): Record<string, unknown> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new SpoolError('INVALID_PARAMETER', `a ${what} must be an object`);
  for (const key of Object.keys(input)) {
    if (!allowed.has(key)) throw new SpoolError('INVALID_PARAMETER', `unknown ${what} field ${JSON.stringify(key)}`);
  }
  return input as Record<string, unknown>;
}

function checkList(value: unknown, name: string, max: number): unknown[] {
  if (!Array.isArray(value) || value.length > max) throw new SpoolError('INVALID_PARAMETER', `${name} must be an array of at most ${max} strings`);
  return value as unknown[];
}

function checkTags(value: unknown, name: string): string[] {
  const tags = checkList(value, name, LIMITS.tagsMax).map((tag) => {
    if (typeof tag !== 'string' || tag.length === 0 || tag.length > LIMITS.tagMaxLength || !tag.isWellFormed() || tag.includes('\0')) {
      throw new SpoolError('INVALID_PARAMETER', `${name} must hold strings of 1-${LIMITS.tagMaxLength} characters, got ${describe(tag)}`);
    }
    return tag;
  });
  return [...new Set(tags)];
}

function checkRoutingKey(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0 || !value.isWellFormed() || value.includes('\0')) {
    throw new SpoolError('INVALID_PARAMETER', `${name} must be a non-empty string, got ${describe(value)}`);
  }
  const bytes = Buffer.byteLength(value, 'utf8');
  const dots = value.split('.').length - 1;
  if (bytes > LIMITS.routingKeyMaxBytes || dots > LIMITS.routingKeyMaxDots) {
    throw new SpoolError('INVALID_PARAMETER', `${name} may have at most ${LIMITS.routingKeyMaxBytes} bytes and ${LIMITS.routingKeyMaxDots} dots, got ${describe(value)}`);
  }
  return value;
}
