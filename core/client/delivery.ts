/** A pushed message with its verbs; shared by the remote and embedded transports. */
import { SpoolClientError, endsLease } from './errors.js';
import type { Delivery, Message, MessageHandler, ReplyInput } from './types.js';
import { asError } from '../errors.js';

/** How a transport carries out a delivery's verbs. */
export interface DeliveryOps {
  ack(queue: string, receiptHandle: string): Promise<void>;
  extend(queue: string, receiptHandle: string, visibilityTimeout: number, body?: string): Promise<{ nextVisibleTime: number }>;
  release(queue: string, receiptHandle: string, delaySeconds: number): Promise<void>;
  requeue(queue: string, receiptHandle: string): Promise<void>;
  complete(queue: string, receiptHandle: string, reply: ReplyInput): Promise<string>;
}

export class PushedMessage implements Delivery {
  readonly msgId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly priority: number;
  readonly enqueueTime: number;
  nextVisibleTime: number;
  readonly firstDequeueTime: number;
  readonly dequeueCount: number;
  readonly attributes: Record<string, string>;
  readonly replyTo: string | null;
  readonly correlationId: string | null;
  readonly sourceQueue: string | null;
  private state: 'open' | 'settling' | 'acked' | 'released' | 'requeued' | 'completed' | 'gone' = 'open';
  /** Made on first use: most deliveries are never cancelled nor asked for a signal. */
  private cancellation: AbortController | null = null;
  /** Why the signal fired: a cancel, or the lease lost with the connection. */
  private stoppedBy: Error | null = null;
  private wasCancelled = false;

  constructor(
    readonly queue: string,
    message: Message,
    private readonly ops: DeliveryOps,
    private readonly onSettled: () => void,
  ) {
    this.msgId = message.msgId;
    this.receiptHandle = message.receiptHandle;
    this.body = message.body;
    this.priority = message.priority;
    this.enqueueTime = message.enqueueTime;
    this.nextVisibleTime = message.nextVisibleTime;
    this.firstDequeueTime = message.firstDequeueTime;
    this.dequeueCount = message.dequeueCount;
    this.attributes = message.attributes;
    this.replyTo = message.replyTo;
    this.correlationId = message.correlationId;
    this.sourceQueue = message.sourceQueue;
  }

  get signal(): AbortSignal {
    if (!this.cancellation) {
      this.cancellation = new AbortController();
      if (this.stoppedBy) this.cancellation.abort(this.stoppedBy);
    }
    return this.cancellation.signal;
  }

  get cancelled(): boolean {
    return this.wasCancelled;
  }

  /** The broker says this message was cancelled: fire the signal (the holder still settles it). */
  cancel(): void {
    if (this.settled || this.stoppedBy) return;
    this.wasCancelled = true;
    this.stop(new SpoolClientError('CLOSED', `message ${this.msgId} was cancelled`));
  }

  /** The connection dropped and the broker releases a closed socket's leases: fire the signal; the lease is gone. */
  lose(reason: Error): void {
    if (this.settled) return;
    this.stop(reason);
    this.finish('gone');
  }

  get settled(): boolean {
    return this.state !== 'open' && this.state !== 'settling';
  }

  /** True while a verb that settles is running, or after. */
  get settling(): boolean {
    return this.state !== 'open';
  }

  ack(): Promise<void> {
    return this.settle('acked', () => this.ops.ack(this.queue, this.receiptHandle));
  }

  release(delaySeconds = 0): Promise<void> {
    return this.settle('released', () => this.ops.release(this.queue, this.receiptHandle, delaySeconds));
  }

  requeue(): Promise<void> {
    return this.settle('requeued', () => this.ops.requeue(this.queue, this.receiptHandle));
  }

  complete(reply: ReplyInput): Promise<string> {
    return this.settle('completed', () => this.ops.complete(this.queue, this.receiptHandle, reply));
  }

  async extend(visibilityTimeout: number, options: { body?: string } = {}): Promise<{ nextVisibleTime: number }> {
    this.checkOpen();
    try {
      const result = await this.ops.extend(this.queue, this.receiptHandle, visibilityTimeout, options.body);
      this.nextVisibleTime = result.nextVisibleTime;
      return result;
    } catch (err) {
      if (endsLease(err) && this.state === 'open') this.finish('gone');
      throw err;
    }
  }

  /** The subscription ended: the lease is no longer this client's. */
  abandon(): void {
    if (this.state === 'open') this.finish('gone');
  }

  private stop(reason: Error): void {
    this.stoppedBy ??= reason;
    this.cancellation?.abort(reason);
  }

  private async settle<T>(outcome: 'acked' | 'released' | 'requeued' | 'completed', run: () => Promise<T>): Promise<T> {
    this.checkOpen();
    this.state = 'settling';
    try {
      const result = await run();
      this.finish(outcome);
      return result;
    } catch (err) {
      if (endsLease(err)) this.finish('gone');
      else if (this.state === 'settling') this.state = 'open';
      throw err;
    }
  }

  private checkOpen(): void {
    if (this.state === 'open') return;
    // What the broker would answer for a lease that is gone, without asking it.
    if (this.state === 'gone') throw new SpoolClientError('RECEIPT_HANDLE_STALE', `message ${this.msgId} is no longer leased to this client`);
    const what = this.state === 'settling' ? 'being settled' : `already ${this.state}`;
    throw new SpoolClientError('INVALID_PARAMETER', `message ${this.msgId} is ${what}`);
  }

  private finish(state: 'acked' | 'released' | 'requeued' | 'completed' | 'gone'): void {
    if (this.settled) return;
    this.state = state;
    this.onSettled();
  }
}

/** First and longest delay of the release after a handler throws, s. */
const THROW_BACKOFF_FIRST_S = 0.1;
const THROW_BACKOFF_MAX_S = 30;

/**
 * Runs the user's handler; a throw before the message was settled is reported and releases it with
 * a delay that doubles with each delivery (0.1 s, 0.2 s, ... up to 30 s), so a message its handler
 * cannot take does not come straight back in a hot loop.
 */
export async function runHandler(handler: MessageHandler, message: PushedMessage, report: (error: Error, queue: string) => void): Promise<void> {
  try {
    await handler(message);
  } catch (err) {
    report(asError(err), message.queue);
    const delaySeconds = Math.min(THROW_BACKOFF_FIRST_S * 2 ** (message.dequeueCount - 1), THROW_BACKOFF_MAX_S);
    if (!message.settling) await message.release(delaySeconds).catch(() => {});
  }
}
