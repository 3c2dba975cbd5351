/**
 * SpoolClient: the whole native API, typed, over a Transport — a broker URL (HTTP + WebSocket) or
 * an engine in this process (SpoolClient.embedded). Code written against it does not care which.
 *
 *   await using client = new SpoolClient({ url: 'http://127.0.0.1:7878' });
 *   await client.createQueue('jobs');
 *   await client.send('jobs', { body: 'hello' });
 *   await client.subscribe('jobs', { prefetch: 10 }, async (m) => { work(m.body); await m.ack(); });
 *
 * Every method rejects with SpoolClientError carrying the broker's code (QUEUE_NOT_FOUND,
 * INVALID_PARAMETER, RECEIPT_HANDLE_STALE, ... see docs/errors.md) and HTTP status, or with
 * SpoolConnectionError / SpoolTimeoutError / SpoolClientClosedError.
 */
import type { Engine } from '../engine/engine.js';
import { EmbeddedTransport } from './embedded-transport.js';
import type { TypedEmitter } from './events.js';
import { resolveClientOptions, type SpoolClientOptions } from './options.js';
import { RemoteTransport } from './remote-transport.js';
import type {
  CreateTopicResult,
  PublishInput,
  SubscriptionInput,
  SubscriptionSettingsInput,
  TopicAttributesInput,
  TopicInfo,
  TopicList,
  TopicSubscription,
  TopicSubscriptionList,
} from './topics.js';
import type { Transport } from './transport.js';
import type {
  CancelOutcome,
  ClientEvents,
  ConnectionStatus,
  CreateQueueResult,
  DeleteBatchResult,
  ListQueuesOptions,
  Message,
  MessageHandler,
  QueueAttributesInput,
  QueueDetails,
  QueueInfo,
  QueueList,
  QueueStats,
  ReceiveOptions,
  ReplyInput,
  SendInput,
  SubscribeOptions,
  Subscription,
} from './types.js';

export class SpoolClient {
  readonly transport: Transport;

  /** A client of the broker at `options.url`. Nothing connects until the first call. */
  constructor(options: SpoolClientOptions | { transport: Transport }) {
    this.transport = 'transport' in options ? options.transport : new RemoteTransport(resolveClientOptions(options));
  }

  /** A client of an engine in this process. Closing the client leaves the engine open. */
  static embedded(engine: Engine): SpoolClient {
    return new SpoolClient({ transport: new EmbeddedTransport(engine) });
  }

  /** 'remote' or 'embedded'. */
  get kind(): Transport['kind'] {
    return this.transport.kind;
  }

  /** The WebSocket's state (embedded: open until closed). */
  get status(): ConnectionStatus {
    return this.transport.status();
  }

  /** Typed events: 'status' (ConnectionStatus) and 'error' (background failures). */
  get events(): TypedEmitter<ClientEvents> {
    return this.transport.events;
  }

  // ---- queues ----

  /** Creates a queue; `created` is false if it existed with the same attributes (QUEUE_EXISTS if not). */
  createQueue(name: string, attributes?: QueueAttributesInput): Promise<CreateQueueResult> {
    return this.transport.createQueue(name, attributes);
  }

  listQueues(options?: ListQueuesOptions): Promise<QueueList> {
    return this.transport.listQueues(options);
  }

  /** A queue's attributes and stats; QUEUE_NOT_FOUND if there is none. */
  getQueue(name: string): Promise<QueueDetails> {
    return this.transport.getQueue(name);
  }

  /** Changes some attributes, keeping the others. */
  setQueueAttributes(name: string, attributes: QueueAttributesInput): Promise<QueueInfo> {
    return this.transport.setQueueAttributes(name, attributes);
  }

  deleteQueue(name: string): Promise<void> {
    return this.transport.deleteQueue(name);
  }

  /** Removes every message; resolves with how many. */
  purgeQueue(name: string): Promise<number> {
    return this.transport.purgeQueue(name);
  }

  /** Makes messages enqueued since `since` (Unix ms) receivable again; needs rewindSeconds > 0. */
  rewindQueue(name: string, since: number): Promise<number> {
    return this.transport.rewindQueue(name, since);
  }

  /** Moves a dead-letter queue's messages back to their source queues; resolves with how many. */
  redriveQueue(name: string): Promise<number> {
    return this.transport.redriveQueue(name);
  }

  queueStats(name: string): Promise<QueueStats> {
    return this.transport.queueStats(name);
  }

  // ---- messages ----

  /** Sends one message over HTTP; resolves with its msgId once it is durable. */
  send(queue: string, message: SendInput): Promise<string> {
    return this.transport.send(queue, message);
  }

  /** Sends 1-16 messages in one commit. */
  sendBatch(queue: string, messages: SendInput[]): Promise<string[]> {
    return this.transport.sendBatch(queue, messages);
  }

  /** Sends over the WebSocket: requests are pipelined, so many sends in flight cost no round trip each. */
  sendWs(queue: string, message: SendInput): Promise<string> {
    return this.transport.sendWs(queue, message);
  }

  sendBatchWs(queue: string, messages: SendInput[]): Promise<string[]> {
    return this.transport.sendBatchWs(queue, messages);
  }

  /** Leases up to `max` messages (long poll with waitSeconds); an empty list when none came. */
  receive(queue: string, options?: ReceiveOptions): Promise<Message[]> {
    return this.transport.receive(queue, options);
  }

  /** Deletes (acks) 1-16 received messages; each handle succeeds or fails on its own. */
  deleteMessages(queue: string, receiptHandles: string[]): Promise<DeleteBatchResult> {
    return this.transport.deleteMessages(queue, receiptHandles);
  }

  /** Sets a lease to end `visibilityTimeout` seconds from now (0: ready at once). */
  changeVisibility(queue: string, receiptHandle: string, visibilityTimeout: number, options?: { body?: string }): Promise<{ nextVisibleTime: number }> {
    return this.transport.changeVisibility(queue, receiptHandle, visibilityTimeout, options);
  }

  /**
   * Cancels a message by msgId: 'removed' when it was not leased (it is deleted), 'running' when a
   * consumer holds it (its delivery's signal fires), 'gone' when there is no such message.
   */
  cancelMessage(queue: string, msgId: string): Promise<CancelOutcome> {
    return this.transport.cancelMessage(queue, msgId);
  }

  /** Gives a lease up: receivable again after `delaySeconds` (default 0). */
  release(queue: string, receiptHandle: string, delaySeconds?: number): Promise<void> {
    return this.transport.release(queue, receiptHandle, delaySeconds);
  }

  /** Deletes a leased message and sends `reply` atomically; RECEIPT_HANDLE_STALE if the lease is not current. */
  complete(queue: string, receiptHandle: string, reply: ReplyInput): Promise<string> {
    return this.transport.complete(queue, receiptHandle, reply);
  }

  // ---- push ----

  /**
   * Has the broker push `queue`'s messages to `handler`, at most `prefetch` unsettled at once.
   * Resolves once subscribed (QUEUE_NOT_FOUND, INVALID_PARAMETER otherwise). A remote subscription
   * resubscribes by itself after a reconnect.
   */
  subscribe(queue: string, options: SubscribeOptions, handler: MessageHandler): Promise<Subscription> {
    if (typeof handler !== 'function') return Promise.reject(new TypeError('subscribe needs a handler function for the messages'));
    return this.transport.subscribe(queue, options, handler);
  }

  // ---- topics (docs/topics.md) ----

  /** Creates a topic; `created` is false if it existed with the same attributes (TOPIC_EXISTS if not). */
  createTopic(name: string, attributes?: TopicAttributesInput): Promise<CreateTopicResult> {
    return this.transport.topics.createTopic(name, attributes);
  }

  listTopics(options?: ListQueuesOptions): Promise<TopicList> {
    return this.transport.topics.listTopics(options);
  }

  /** TOPIC_NOT_FOUND if there is none. */
  getTopic(name: string): Promise<TopicInfo> {
    return this.transport.topics.getTopic(name);
  }

  /** Changes maxMsgSize (filterType is fixed once set). */
  setTopicAttributes(name: string, attributes: TopicAttributesInput): Promise<TopicInfo> {
    return this.transport.topics.setTopicAttributes(name, attributes);
  }

  /** TOPIC_HAS_SUBSCRIPTIONS while it has any. */
  deleteTopic(name: string): Promise<void> {
    return this.transport.topics.deleteTopic(name);
  }

  /** Copies a message into every matching subscription's queue, in one commit; resolves with its msgId. TOPIC_NO_MATCH when none matches. */
  publish(topic: string, message: PublishInput): Promise<string> {
    return this.transport.topics.publish(topic, message);
  }

  /** Publishes 1-16 messages in one commit. */
  publishBatch(topic: string, messages: PublishInput[]): Promise<string[]> {
    return this.transport.topics.publishBatch(topic, messages);
  }

  /** Subscribes a queue to a topic (not to be confused with `subscribe`, a push consumer of a queue). */
  subscribeTopic(topic: string, name: string, subscription: SubscriptionInput): Promise<TopicSubscription> {
    return this.transport.topics.subscribeTopic(topic, name, subscription);
  }

  getTopicSubscription(topic: string, name: string): Promise<TopicSubscription> {
    return this.transport.topics.getTopicSubscription(topic, name);
  }

  listTopicSubscriptions(topic: string, options?: ListQueuesOptions): Promise<TopicSubscriptionList> {
    return this.transport.topics.listTopicSubscriptions(topic, options);
  }

  /** Changes notifyStrategy, notifyContentFormat, filterTags or bindingKeys. */
  setTopicSubscriptionAttributes(topic: string, name: string, settings: SubscriptionSettingsInput): Promise<TopicSubscription> {
    return this.transport.topics.setTopicSubscriptionAttributes(topic, name, settings);
  }

  unsubscribeTopic(topic: string, name: string): Promise<void> {
    return this.transport.topics.unsubscribeTopic(topic, name);
  }

  // ---- lifecycle ----

  /** Lets every subscription's handlers settle their messages (no new ones come), then closes. */
  drain(): Promise<void> {
    return this.transport.drain();
  }

  /** Closes at once: subscriptions end (the broker releases their unsettled messages). Idempotent. */
  close(): Promise<void> {
    return this.transport.close();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
