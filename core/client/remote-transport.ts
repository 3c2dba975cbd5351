/**
 * The transport to a broker over the network: the HTTP API for queue and message calls, and one
 * WebSocket (opened on first use) for subscriptions, their acks and pipelined sends.
 */
import { AckBatcher } from './ack-batcher.js';
import type { DeliveryOps } from './delivery.js';
import { SpoolClientClosedError } from './errors.js';
import { asError } from '../errors.js';
import { checkPrefetch } from './prefetch.js';
import { ClientEmitter } from './events.js';
import { HttpApi, listQuery, queuePath } from './http.js';
import type { ResolvedClientOptions } from './options.js';
import { RemoteSubscription, type SubscriptionOwner } from './remote-subscription.js';
import { SocketConnection, type DeliverFrame } from './socket.js';
import { remoteTopics, type TopicCalls } from './topics.js';
import type { Transport } from './transport.js';
import type {
  CancelOutcome,
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

export class RemoteTransport implements Transport, SubscriptionOwner {
  readonly kind = 'remote';
  readonly events = new ClientEmitter();
  readonly socket: SocketConnection;
  readonly ops: DeliveryOps;
  private readonly http: HttpApi;
  readonly topics: TopicCalls;
  private readonly subscriptions = new Set<RemoteSubscription>();
  private readonly byServerId = new Map<string, RemoteSubscription>();
  /**
   * Deliveries for a subscription id not bound yet: the broker's subscribe reply and its first
   * deliver frame can arrive in one read, and the reply's continuation runs after both are parsed.
   */
  private readonly early = new Map<string, DeliverFrame[]>();
  private closing: Promise<void> | null = null;

  constructor(private readonly options: ResolvedClientOptions) {
    this.http = new HttpApi(options);
    this.topics = remoteTopics(this.http, () => this.checkOpen());
    this.socket = new SocketConnection(options, this.events, {
      onOpen: () => this.resubscribeAll(),
      onDeliver: (frame) => this.onDeliver(frame),
      onCancel: (queue, msgId) => {
        for (const subscription of this.subscriptions) subscription.cancelled(queue, msgId);
      },
      onDisconnect: () => {
        // The broker released whatever this socket held, early deliveries included.
        this.early.clear();
        for (const subscription of this.subscriptions) subscription.disconnected();
      },
    });
    const acks = new AckBatcher((queue, receiptHandles) => this.socket.request<DeleteBatchResult>({ op: 'ack', queue, receiptHandles }));
    this.ops = {
      ack: (queue, receiptHandle) => acks.ack(queue, receiptHandle),
      extend: (queue, receiptHandle, visibilityTimeout, body) =>
        this.socket.request({ op: 'extend', queue, receiptHandle, visibilityTimeout, ...(body === undefined ? {} : { body }) }),
      release: async (queue, receiptHandle, delaySeconds) => {
        await this.socket.request({ op: 'release', queue, receiptHandle, delaySeconds });
      },
      requeue: async (queue, receiptHandle) => {
        await this.socket.request({ op: 'requeue', queue, receiptHandle });
      },
      complete: async (queue, receiptHandle, reply) =>
        (await this.socket.request<{ msgId: string }>({ op: 'complete', queue, receiptHandle, reply })).msgId,
    };
  }

  status(): ConnectionStatus {
    return this.closing ? { state: 'closed' } : this.socket.status();
  }

  // ---- queues (HTTP) ----

  async createQueue(name: string, attributes?: QueueAttributesInput): Promise<CreateQueueResult> {
    this.checkOpen();
    const body = attributes === undefined ? { name } : { name, attributes };
    const reply = await this.http.request<QueueInfo>('POST', '/v1/queues', body);
    return { created: reply.status === 201, queue: reply.body };
  }

  async listQueues(options: ListQueuesOptions = {}): Promise<QueueList> {
    this.checkOpen();
    return this.http.call('GET', `/v1/queues${listQuery(options)}`);
  }

  getQueue(name: string): Promise<QueueDetails> {
    this.checkOpen();
    return this.http.call('GET', queuePath(name));
  }

  setQueueAttributes(name: string, attributes: QueueAttributesInput): Promise<QueueInfo> {
    this.checkOpen();
    return this.http.call('PATCH', queuePath(name, '/attributes'), attributes);
  }

  async deleteQueue(name: string): Promise<void> {
    this.checkOpen();
    await this.http.call('DELETE', queuePath(name));
  }

  async purgeQueue(name: string): Promise<number> {
    this.checkOpen();
    return (await this.http.call<{ purged: number }>('POST', queuePath(name, '/purge'), {})).purged;
  }

  async rewindQueue(name: string, since: number): Promise<number> {
    this.checkOpen();
    return (await this.http.call<{ rewound: number }>('POST', queuePath(name, '/rewind'), { since })).rewound;
  }

  async redriveQueue(name: string): Promise<number> {
    this.checkOpen();
    return (await this.http.call<{ moved: number }>('POST', queuePath(name, '/redrive'), {})).moved;
  }

  queueStats(name: string): Promise<QueueStats> {
    this.checkOpen();
    return this.http.call('GET', queuePath(name, '/stats'));
  }

  // ---- messages (HTTP) ----

  async send(queue: string, message: SendInput): Promise<string> {
    this.checkOpen();
    return (await this.http.call<{ msgId: string }>('POST', queuePath(queue, '/messages'), message)).msgId;
  }

  async sendBatch(queue: string, messages: SendInput[]): Promise<string[]> {
    this.checkOpen();
    return (await this.http.call<{ msgIds: string[] }>('POST', queuePath(queue, '/messages'), { messages })).msgIds;
  }

  async receive(queue: string, options: ReceiveOptions = {}): Promise<Message[]> {
    this.checkOpen();
    const waitMs = 1000 * (typeof options.waitSeconds === 'number' ? options.waitSeconds : 30);
    return (await this.http.call<{ messages: Message[] }>('POST', queuePath(queue, '/messages/receive'), options, waitMs)).messages;
  }

  deleteMessages(queue: string, receiptHandles: string[]): Promise<DeleteBatchResult> {
    this.checkOpen();
    return this.http.call('POST', queuePath(queue, '/messages/delete'), { receiptHandles });
  }

  changeVisibility(queue: string, receiptHandle: string, visibilityTimeout: number, options: { body?: string } = {}): Promise<{ nextVisibleTime: number }> {
    this.checkOpen();
    return this.http.call('POST', queuePath(queue, '/messages/visibility'), { receiptHandle, visibilityTimeout, ...options });
  }

  async cancelMessage(queue: string, msgId: string): Promise<CancelOutcome> {
    this.checkOpen();
    return (await this.http.call<{ outcome: CancelOutcome }>('POST', queuePath(queue, '/messages/cancel'), { msgId })).outcome;
  }

  async release(queue: string, receiptHandle: string, delaySeconds?: number): Promise<void> {
    this.checkOpen();
    await this.http.call('POST', queuePath(queue, '/messages/release'), delaySeconds === undefined ? { receiptHandle } : { receiptHandle, delaySeconds });
  }

  async complete(queue: string, receiptHandle: string, reply: ReplyInput): Promise<string> {
    this.checkOpen();
    return (await this.http.call<{ msgId: string }>('POST', queuePath(queue, '/messages/complete'), { receiptHandle, reply })).msgId;
  }

  // ---- WebSocket ----

  async sendWs(queue: string, message: SendInput): Promise<string> {
    return (await this.socket.request<{ msgId: string }>({ op: 'send', queue, message })).msgId;
  }

  async sendBatchWs(queue: string, messages: SendInput[]): Promise<string[]> {
    return (await this.socket.request<{ msgIds: string[] }>({ op: 'send', queue, messages })).msgIds;
  }

  async subscribe(queue: string, options: SubscribeOptions, handler: MessageHandler): Promise<Subscription> {
    this.checkOpen();
    checkPrefetch(options?.prefetch, 1);
    const subscription = new RemoteSubscription(this, queue, { ...options }, handler);
    this.subscriptions.add(subscription);
    try {
      await subscription.subscribe();
    } catch (err) {
      this.subscriptions.delete(subscription);
      throw err;
    }
    return subscription;
  }

  // ---- SubscriptionOwner ----

  bind(subscription: RemoteSubscription, serverId: string): void {
    subscription.serverId = serverId;
    this.byServerId.set(serverId, subscription);
    const early = this.early.get(serverId);
    this.early.delete(serverId);
    for (const frame of early ?? []) subscription.deliver(frame.messages);
  }

  subscribeSettled(): void {
    if ([...this.subscriptions].some((s) => s.subscribingNow)) return;
    for (const frames of this.early.values()) for (const frame of frames) this.giveBack(frame);
    this.early.clear();
  }

  unbind(subscription: RemoteSubscription): void {
    if (subscription.serverId !== null) this.byServerId.delete(subscription.serverId);
    subscription.serverId = null;
  }

  forget(subscription: RemoteSubscription): void {
    this.unbind(subscription);
    this.subscriptions.delete(subscription);
  }

  // ---- lifecycle ----

  async drain(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.drain()));
    await this.close();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
      await this.socket.close();
    })();
    return this.closing;
  }

  private resubscribeAll(): void {
    for (const subscription of this.subscriptions) {
      if (subscription.serverId !== null) continue;
      subscription.subscribe().catch((err: unknown) => this.events.emitError(asError(err), subscription.queue));
    }
  }

  private onDeliver(frame: DeliverFrame): void {
    const subscription = this.byServerId.get(frame.subscription);
    if (subscription) {
      subscription.deliver(frame.messages);
      return;
    }
    if ([...this.subscriptions].some((s) => s.subscribingNow)) {
      const frames = this.early.get(frame.subscription) ?? [];
      frames.push(frame);
      this.early.set(frame.subscription, frames);
      return;
    }
    this.giveBack(frame);
  }

  /** Not ours (any more): give the messages back at once rather than let their leases run out. */
  private giveBack(frame: DeliverFrame): void {
    for (const message of frame.messages) {
      this.ops.release(frame.queue, message.receiptHandle, 0).catch(() => {});
    }
  }

  private checkOpen(): void {
    if (this.closing) throw new SpoolClientClosedError();
  }
}
