/**
 * The transport to an engine in this process: the same calls and the same subscription behaviour
 * as over the network, without a socket. Engine errors come out as SpoolClientError, as they would
 * from a broker, so callers handle one error class whichever transport they have.
 */
import type { Consumer, Engine } from '../engine/engine.js';
import { PushedMessage, runHandler, type DeliveryOps } from './delivery.js';
import { SpoolClientClosedError, SpoolClientError } from './errors.js';
import { ClientEmitter } from './events.js';
import { checkPrefetch } from './prefetch.js';
import { embeddedTopics, type TopicCalls } from './topics.js';
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

export class EmbeddedTransport implements Transport {
  readonly kind = 'embedded';
  readonly events = new ClientEmitter();
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  private closing: Promise<void> | null = null;
  private readonly ops: DeliveryOps;
  readonly topics: TopicCalls;

  /** The engine stays the caller's: closing the transport leaves it open. */
  constructor(private readonly engine: Engine) {
    this.topics = embeddedTopics(engine, (run) => this.call(run));
    this.ops = {
      ack: (queue, handle) => this.call(() => engine.delete(queue, handle)),
      extend: (queue, handle, seconds, body) =>
        this.call(async () => {
          checkExtend(seconds);
          return engine.changeVisibility(queue, handle, seconds, body === undefined ? {} : { body });
        }),
      release: (queue, handle, delay) => this.call(() => engine.release(queue, handle, delay)),
      requeue: (queue, handle) => this.call(() => engine.requeue(queue, handle)),
      complete: (queue, handle, reply) => this.call(() => engine.complete(queue, handle, reply)),
    };
  }

  status(): ConnectionStatus {
    return this.closing ? { state: 'closed' } : { state: 'open' };
  }

  createQueue(name: string, attributes?: QueueAttributesInput): Promise<CreateQueueResult> {
    return this.call(async () => {
      const { created, queue } = await this.engine.createQueue(name, attributes);
      return { created, queue: view(queue) };
    });
  }

  listQueues(options: ListQueuesOptions = {}): Promise<QueueList> {
    return this.call(async () => {
      const page = await this.engine.listQueues(options);
      return { total: page.total, queues: page.queues.map(view) };
    });
  }

  getQueue(name: string): Promise<QueueDetails> {
    return this.call(async () => {
      const queue = await this.engine.getQueue(name);
      return { ...view(queue), stats: await this.engine.stats(name) };
    });
  }

  setQueueAttributes(name: string, attributes: QueueAttributesInput): Promise<QueueInfo> {
    return this.call(async () => view(await this.engine.setQueueAttributes(name, attributes)));
  }

  deleteQueue(name: string): Promise<void> {
    return this.call(() => this.engine.deleteQueue(name));
  }

  purgeQueue(name: string): Promise<number> {
    return this.call(() => this.engine.purgeQueue(name));
  }

  rewindQueue(name: string, since: number): Promise<number> {
    return this.call(() => this.engine.rewind(name, since));
  }

  redriveQueue(name: string): Promise<number> {
    return this.call(() => this.engine.redrive(name));
  }

  queueStats(name: string): Promise<QueueStats> {
    return this.call(() => this.engine.stats(name));
  }

  send(queue: string, message: SendInput): Promise<string> {
    return this.call(() => this.engine.send(queue, message));
  }

  sendBatch(queue: string, messages: SendInput[]): Promise<string[]> {
    return this.call(() => this.engine.sendBatch(queue, messages));
  }

  sendWs(queue: string, message: SendInput): Promise<string> {
    return this.send(queue, message);
  }

  sendBatchWs(queue: string, messages: SendInput[]): Promise<string[]> {
    return this.sendBatch(queue, messages);
  }

  receive(queue: string, options: ReceiveOptions = {}): Promise<Message[]> {
    return this.call(() => this.engine.receiveBatch(queue, options));
  }

  deleteMessages(queue: string, receiptHandles: string[]): Promise<DeleteBatchResult> {
    return this.call(() => this.engine.deleteBatch(queue, receiptHandles));
  }

  cancelMessage(queue: string, msgId: string): Promise<CancelOutcome> {
    return this.call(() => this.engine.cancelMessage(queue, msgId));
  }

  changeVisibility(queue: string, receiptHandle: string, visibilityTimeout: number, options: { body?: string } = {}): Promise<{ nextVisibleTime: number }> {
    return this.call(() => this.engine.changeVisibility(queue, receiptHandle, visibilityTimeout, options));
  }

  release(queue: string, receiptHandle: string, delaySeconds?: number): Promise<void> {
    return this.call(() => this.engine.release(queue, receiptHandle, delaySeconds));
  }

  complete(queue: string, receiptHandle: string, reply: ReplyInput): Promise<string> {
    return this.call(() => this.engine.complete(queue, receiptHandle, reply));
  }

  subscribe(queue: string, options: SubscribeOptions, handler: MessageHandler): Promise<Subscription> {
    return this.call(async () => {
      checkPrefetch(options.prefetch, 1);
      await this.engine.getQueue(queue); // QUEUE_NOT_FOUND now, as the broker answers
      const subscription = new EmbeddedSubscription(this.engine, queue, options, handler, this.ops, this.events, () => this.subscriptions.delete(subscription));
      this.subscriptions.add(subscription);
      subscription.start();
      return subscription;
    });
  }

  async drain(): Promise<void> {
    await Promise.all([...this.subscriptions].map((s) => s.drain()));
    await this.close();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.subscriptions].map((s) => s.close()));
    })();
    return this.closing;
  }

  /** Runs an engine call, with engine errors as SpoolClientError. */
  private async call<T>(run: () => Promise<T>): Promise<T> {
    if (this.closing) throw new SpoolClientClosedError();
    try {
      return await run();
    } catch (err) {
      throw SpoolClientError.from(err);
    }
  }
}

/**
 * A push subscription on an engine consumer. Like the broker's, it hands the handler at most
 * `prefetch` unsettled messages: when the prefetch is lowered, messages the consumer already leased
 * wait here until there is room (beyond the new prefetch, they go back to the queue).
 */
class EmbeddedSubscription implements Subscription {
  private consumer: Consumer | null = null;
  private current: number;
  private readonly unsettled = new Set<PushedMessage>();
  private readonly waiting: { message: Message; settle: () => void }[] = [];
  private state: 'active' | 'draining' | 'closed' = 'active';
  private idle: (() => void) | null = null;

  constructor(
    private readonly engine: Engine,
    readonly queue: string,
    private readonly options: SubscribeOptions,
    private readonly handler: MessageHandler,
    private readonly ops: DeliveryOps,
    private readonly events: ClientEmitter,
    private readonly onClosed: () => void,
  ) {
    this.current = options.prefetch;
    engine.events.on('cancel', this.onCancel);
  }

  /** A message was cancelled in the engine: fire the signal of the delivery that holds it, if any. */
  private readonly onCancel = ({ queue, msgId }: { queue: string; msgId: string }): void => {
    if (queue !== this.queue) return;
    for (const delivery of this.unsettled) if (delivery.msgId === msgId) delivery.cancel();
  };

  get prefetch(): number {
    return this.current;
  }

  get inFlight(): number {
    return this.unsettled.size;
  }

  start(): void {
    this.consumer?.close();
    this.consumer = null;
    if (this.current === 0 || this.state !== 'active') return;
    const options = this.options.visibilityTimeout === undefined ? { prefetch: this.current } : { prefetch: this.current, visibilityTimeout: this.options.visibilityTimeout };
    this.consumer = this.engine.consume(this.queue, options, (message) => new Promise<void>((settle) => this.accept(message, settle)));
  }

  async setPrefetch(prefetch: number): Promise<void> {
    if (this.state === 'closed') throw new SpoolClientClosedError('the subscription is closed');
    checkPrefetch(prefetch, 0);
    if (prefetch === this.current) return;
    this.current = prefetch;
    if (prefetch === 0 || !this.consumer) this.start();
    else this.consumer.setPrefetch(prefetch);
    // Messages waiting beyond the new room go back to the queue.
    const room = Math.max(0, prefetch - this.unsettled.size);
    for (const w of this.waiting.splice(room)) this.giveBack(w.message, w.settle);
    this.pump();
  }

  async drain(): Promise<void> {
    if (this.state !== 'active') return this.close();
    this.state = 'draining';
    this.consumer?.close();
    this.consumer = null;
    for (const w of this.waiting.splice(0)) this.giveBack(w.message, w.settle);
    if (this.unsettled.size > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await this.close();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.engine.events.off('cancel', this.onCancel);
    this.consumer?.close();
    this.consumer = null;
    this.onClosed();
    for (const w of this.waiting.splice(0)) this.giveBack(w.message, w.settle);
    // As the broker does on unsubscribe: unsettled leases are released at once.
    await Promise.all(
      [...this.unsettled].map(async (delivery) => {
        delivery.abandon();
        await this.engine.release(this.queue, delivery.receiptHandle, 0).catch(() => {});
      }),
    );
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private accept(message: Message, settle: () => void): void {
    if (this.state !== 'active') {
      this.giveBack(message, settle);
      return;
    }
    this.waiting.push({ message, settle });
    this.pump();
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.unsettled.size < this.current && this.state === 'active') {
      const { message, settle } = this.waiting.shift()!;
      const delivery: PushedMessage = new PushedMessage(this.queue, message, this.ops, () => {
        this.unsettled.delete(delivery);
        settle();
        if (this.unsettled.size === 0 && this.idle) {
          this.idle();
          this.idle = null;
        }
        this.pump();
      });
      this.unsettled.add(delivery);
      void runHandler(this.handler, delivery, (error, queue) => this.events.emitError(error, queue));
    }
  }

  private giveBack(message: Message, settle: () => void): void {
    this.engine.release(this.queue, message.receiptHandle, 0).catch(() => {});
    settle();
  }
}

function view(queue: QueueInfo): QueueInfo {
  return { name: queue.name, attributes: queue.attributes, createdAt: queue.createdAt, modifiedAt: queue.modifiedAt };
}

/** As the broker's extend: 1-43200 (0 would end the lease: that is release). */
function checkExtend(seconds: number): void {
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 1) {
    throw new SpoolClientError('INVALID_PARAMETER', `visibilityTimeout must be an integer from 1 to 43200, got ${String(seconds)}`);
  }
}
