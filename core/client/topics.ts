/**
 * Topic calls of the client (docs/topics.md), over HTTP (remote) or an engine in this process
 * (embedded). Each transport has one as `topics`; SpoolClient exposes them by name.
 */
import type { Engine } from '../engine/engine.js';
import type { PublishInput, SubscriptionInput, SubscriptionSettingsInput, TopicAttributesInput } from '../engine/topic-input.js';
import type { SubscriptionRecord, TopicRecord } from '../store/topic-store.js';
import { listQuery, type HttpApi } from './http.js';
import type { ListQueuesOptions } from './types.js';

export type { PublishInput, SubscriptionInput, SubscriptionSettingsInput, TopicAttributesInput, SubscriptionRecord as TopicSubscription, TopicRecord as TopicInfo };

export interface CreateTopicResult {
  /** False when the topic already existed with the same attributes. */
  created: boolean;
  topic: TopicRecord;
}

export interface TopicList {
  total: number;
  topics: TopicRecord[];
}

export interface TopicSubscriptionList {
  total: number;
  subscriptions: SubscriptionRecord[];
}

export interface TopicCalls {
  createTopic(name: string, attributes?: TopicAttributesInput): Promise<CreateTopicResult>;
  listTopics(options?: ListQueuesOptions): Promise<TopicList>;
  getTopic(name: string): Promise<TopicRecord>;
  setTopicAttributes(name: string, attributes: TopicAttributesInput): Promise<TopicRecord>;
  deleteTopic(name: string): Promise<void>;
  publish(topic: string, message: PublishInput): Promise<string>;
  publishBatch(topic: string, messages: PublishInput[]): Promise<string[]>;
  subscribeTopic(topic: string, name: string, subscription: SubscriptionInput): Promise<SubscriptionRecord>;
  getTopicSubscription(topic: string, name: string): Promise<SubscriptionRecord>;
  listTopicSubscriptions(topic: string, options?: ListQueuesOptions): Promise<TopicSubscriptionList>;
  setTopicSubscriptionAttributes(topic: string, name: string, settings: SubscriptionSettingsInput): Promise<SubscriptionRecord>;
  unsubscribeTopic(topic: string, name: string): Promise<void>;
}

/** `/v1/topics/{name}` with the name escaped. */
function topicPath(name: string, rest = ''): string {
  return `/v1/topics/${encodeURIComponent(name)}${rest}`;
}

function subscriptionPath(topic: string, name: string, rest = ''): string {
  return topicPath(topic, `/subscriptions/${encodeURIComponent(name)}${rest}`);
}

/** Topic calls over the native HTTP API; `checkOpen` throws once the transport is closed. */
export function remoteTopics(http: HttpApi, checkOpen: () => void): TopicCalls {
  const call = <T>(method: string, path: string, body?: unknown) => {
    checkOpen();
    return http.call<T>(method, path, body);
  };
  return {
    async createTopic(name, attributes) {
      checkOpen();
      const reply = await http.request<TopicRecord>('POST', '/v1/topics', attributes === undefined ? { name } : { name, attributes });
      return { created: reply.status === 201, topic: reply.body };
    },
    listTopics: (options) => call('GET', `/v1/topics${listQuery(options)}`),
    getTopic: (name) => call('GET', topicPath(name)),
    setTopicAttributes: (name, attributes) => call('PATCH', topicPath(name, '/attributes'), attributes),
    deleteTopic: async (name) => void (await call('DELETE', topicPath(name))),
    publish: async (topic, message) => (await call<{ msgId: string }>('POST', topicPath(topic, '/messages'), message)).msgId,
    publishBatch: async (topic, messages) => (await call<{ msgIds: string[] }>('POST', topicPath(topic, '/messages'), { messages })).msgIds,
    subscribeTopic: (topic, name, subscription) => call('POST', topicPath(topic, '/subscriptions'), { name, ...subscription }),
    getTopicSubscription: (topic, name) => call('GET', subscriptionPath(topic, name)),
    listTopicSubscriptions: (topic, options) => call('GET', topicPath(topic, `/subscriptions${listQuery(options)}`)),
    setTopicSubscriptionAttributes: (topic, name, settings) => call('PATCH', subscriptionPath(topic, name, '/attributes'), settings),
    unsubscribeTopic: async (topic, name) => void (await call('DELETE', subscriptionPath(topic, name))),
  };
}

/** Topic calls on an engine in this process; `call` turns engine errors into client errors. */
export function embeddedTopics(engine: Engine, call: <T>(run: () => Promise<T>) => Promise<T>): TopicCalls {
  const { topics } = engine;
  return {
    createTopic: (name, attributes) => call(() => topics.createTopic(name, attributes)),
    listTopics: (options) => call(() => topics.listTopics(options)),
    getTopic: (name) => call(() => topics.getTopic(name)),
    setTopicAttributes: (name, attributes) => call(() => topics.setTopicAttributes(name, attributes)),
    deleteTopic: (name) => call(() => topics.deleteTopic(name)),
    publish: (topic, message) => call(() => topics.publish(topic, message)),
    publishBatch: (topic, messages) => call(() => topics.publishBatch(topic, messages)),
    subscribeTopic: (topic, name, subscription) => call(() => topics.subscribe(topic, name, subscription)),
    getTopicSubscription: (topic, name) => call(() => topics.getSubscription(topic, name)),
    listTopicSubscriptions: (topic, options) => call(() => topics.listSubscriptions(topic, options)),
    setTopicSubscriptionAttributes: (topic, name, settings) => call(() => topics.setSubscriptionAttributes(topic, name, settings)),
    unsubscribeTopic: (topic, name) => call(() => topics.unsubscribe(topic, name)),
  };
}
