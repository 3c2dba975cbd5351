/**
 * The pusher: delivers the messages of http subscriptions (docs/topics.md "HTTP push"). Each http
 * subscription has a push queue (`spool-push-<id>`) that publish writes into, in the same commit as
 * the queue copies. The pusher consumes every push queue through the engine and POSTs each message
 * to its subscription's endpoint: a 2xx acks it; anything else (or no answer within timeoutMs)
 * releases it with the delay notifyStrategy gives, until the strategy gives up and it is deleted.
 * Leases make this safe with several brokers on one PostgreSQL: a message is pushed by one broker
 * at a time, and pushed again only if that broker failed or its lease ran out (at least once).
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, Engine } from '../engine/engine.js';
import type { ReceivedMessage } from '../engine/message.js';
import { COPY_ATTRIBUTES } from '../engine/topics.js';
import { SpoolError } from '../errors.js';
import { PUSH_QUEUE_PREFIX } from '../store/topic-rows.js';
import type { NotifyStrategy, SubscriptionRecord } from '../store/topic-store.js';

export interface PushOptions {
  /** A push with no answer within this is a failure; default 15000 (CMQ's ~15 s), at most 50000 (push leases are 60 s). */
  timeoutMs: number;
  /** BACKOFF_RETRY waits a random time in [backoffMinMs, backoffMaxMs]; default 19000-29000 (CMQ). */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** BACKOFF_RETRY gives up after this many retries; default 3 (CMQ). */
  backoffRetries: number;
  /** EXPONENTIAL_DECAY_RETRY waits exponentialBaseMs, then twice as long each time, up to exponentialMaxMs; default 1000 and 3600000. */
  exponentialBaseMs: number;
  exponentialMaxMs: number;
  /** EXPONENTIAL_DECAY_RETRY gives up on a message this long after it was published; default one day (CMQ). */
  giveUpAfterMs: number;
  /** How often the pusher looks for push queues it does not consume yet (and drops deleted ones); default 1000. */
  discoverIntervalMs: number;
  /** Pushes in flight at once per subscription, on this broker; default 16. */
  concurrency: number;
}

export const DEFAULT_PUSH_OPTIONS: Readonly<PushOptions> = Object.freeze({
  timeoutMs: 15_000,
  backoffMinMs: 19_000,
  backoffMaxMs: 29_000,
  backoffRetries: 3,
  exponentialBaseMs: 1000,
  exponentialMaxMs: 3_600_000,
  giveUpAfterMs: 86_400_000,
  discoverIntervalMs: 1000,
  concurrency: 16,
});

const RANGES: Record<keyof PushOptions, readonly [number, number]> = {
  timeoutMs: [1, 50_000],
  backoffMinMs: [0, 3_600_000],
  backoffMaxMs: [0, 3_600_000],
  backoffRetries: [0, 100],
  exponentialBaseMs: [1, 3_600_000],
  exponentialMaxMs: [1, 3_600_000],
  giveUpAfterMs: [1, 1_296_000_000],
  discoverIntervalMs: [10, 3_600_000],
  concurrency: [1, 1000],
};

/** Defaults, merged with `input`, checked: INVALID_PARAMETER names the option. */
export function resolvePushOptions(input: Partial<PushOptions> = {}): PushOptions {
  const resolved: PushOptions = { ...DEFAULT_PUSH_OPTIONS };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(RANGES, key)) throw new SpoolError('INVALID_PARAMETER', `unknown push option ${JSON.stringify(key)}`);
    const [min, max] = RANGES[key as keyof PushOptions];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
      throw new SpoolError('INVALID_PARAMETER', `push.${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    resolved[key as keyof PushOptions] = value;
  }
  if (resolved.backoffMaxMs < resolved.backoffMinMs) throw new SpoolError('INVALID_PARAMETER', 'push.backoffMaxMs must not be less than push.backoffMinMs');
  return resolved;
}

/**
 * After a failed push: how long to wait before the next one, or null to give up. `attempts`
 * counts the pushes made so far (this one included); `ageMs` is the time since publish.
 */
export function nextPushDelay(strategy: NotifyStrategy, attempts: number, ageMs: number, options: PushOptions, random = Math.random): number | null {
  if (strategy === 'BACKOFF_RETRY') {
    if (attempts > options.backoffRetries) return null;
    return options.backoffMinMs + Math.floor(random() * (options.backoffMaxMs - options.backoffMinMs + 1));
  }
  const delay = Math.min(options.exponentialBaseMs * 2 ** Math.min(attempts - 1, 40), options.exponentialMaxMs);
  return ageMs + delay > options.giveUpAfterMs ? null : delay;
}

export class Pusher {
  private readonly consumers = new Map<string, Consumer>();
  private readonly abort = new AbortController();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;

  constructor(
    private readonly engine: Engine,
    private readonly options: PushOptions,
    private readonly onError: (err: unknown) => void,
    /** Told of each message given up, for the log. */
    private readonly onGiveUp: (details: { topic: string; subscription: string; endpoint: string; msgId: string; attempts: number }) => void,
  ) {}

  start(): void {
    void this.discover();
  }

  /** Stops consuming, ends pushes under way (their messages go back uncounted), and waits for them. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.timer) clearTimeout(this.timer);
      for (const consumer of this.consumers.values()) consumer.close();
      this.consumers.clear();
      this.abort.abort();
      await Promise.allSettled([...this.inFlight]);
    })();
    return this.closing;
  }

  /** Consumes every push queue there is, and stops consuming those deleted. */
  private async discover(): Promise<void> {
    try {
      const seen = new Set((await this.engine.allQueues(PUSH_QUEUE_PREFIX)).map((queue) => queue.name));
      if (this.closing) return;
      for (const queue of seen) {
        if (!this.consumers.has(queue)) this.consumers.set(queue, this.engine.consume(queue, { prefetch: this.options.concurrency }, (m) => this.track(this.deliver(queue, m))));
      }
      for (const [queue, consumer] of this.consumers) {
        if (seen.has(queue)) continue;
        consumer.close();
        this.consumers.delete(queue);
      }
    } catch (err) {
      this.onError(err);
    } finally {
      if (!this.closing) this.timer = setTimeout(() => void this.discover(), this.options.discoverIntervalMs);
    }
  }

  private track(push: Promise<void>): Promise<void> {
    const tracked = push.catch(this.onError).finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }

  private async deliver(queue: string, message: ReceivedMessage): Promise<void> {
    const subscription = await this.subscriptionOf(queue, message);
    // Its subscription is gone (the queue goes with it): nobody to push to.
    if (!subscription) return this.engine.delete(queue, message.receiptHandle);
    if (await this.push(subscription, message)) return this.engine.delete(queue, message.receiptHandle);
    if (this.closing) return this.engine.requeue(queue, message.receiptHandle);
    const delayMs = nextPushDelay(subscription.notifyStrategy, message.dequeueCount, this.engine.clock.now() - message.enqueueTime, this.options);
    if (delayMs === null) {
      const { topic, name, endpoint } = subscription;
      this.onGiveUp({ topic, subscription: name, endpoint, msgId: message.attributes?.[COPY_ATTRIBUTES.msgId] ?? message.msgId, attempts: message.dequeueCount });
      return this.engine.delete(queue, message.receiptHandle);
    }
    await this.engine.release(queue, message.receiptHandle, delayMs / 1000);
  }

  private async subscriptionOf(queue: string, message: ReceivedMessage): Promise<SubscriptionRecord | null> {
    const topic = message.attributes?.[COPY_ATTRIBUTES.topic];
    const name = message.attributes?.[COPY_ATTRIBUTES.subscription];
    if (topic === undefined || name === undefined) return null;
    try {
      const subscription = await this.engine.topics.getSubscription(topic, name);
      return subscription.deliveryQueue === queue ? subscription : null;
    } catch (err) {
      if (err instanceof SpoolError && (err.code === 'TOPIC_NOT_FOUND' || err.code === 'SUBSCRIPTION_NOT_FOUND')) return null;
      throw err;
    }
  }

  /** POSTs one message as CMQ does; true on a 2xx. */
  private async push(subscription: SubscriptionRecord, message: ReceivedMessage): Promise<boolean> {
    const attributes = message.attributes ?? {};
    const msgId = attributes[COPY_ATTRIBUTES.msgId] ?? message.msgId;
    const tagsJson = attributes[COPY_ATTRIBUTES.tags];
    const tags = tagsJson === undefined ? [] : (JSON.parse(tagsJson) as string[]);
    const body =
      subscription.notifyContentFormat === 'SIMPLIFIED'
        ? message.body
        : JSON.stringify({ topicName: subscription.topic, subscriptionName: subscription.name, msgId, msgBody: message.body, publishTime: message.enqueueTime });
    try {
      const response = await fetch(subscription.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'text/plain; charset=utf-8',
          'user-agent': 'Spool Notification Service Agent',
          'x-cmq-request-id': randomUUID(),
          'x-cmq-message-id': msgId,
          'x-cmq-message-tag': tags.join(','),
        },
        body,
        // A redirect is not a 2xx: CMQ counts only a 2xx as delivered.
        redirect: 'manual',
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      await response.body?.cancel();
      return response.status >= 200 && response.status < 300;
    } catch {
      // Unreachable, refused, timed out: a failed push, retried by the strategy.
      return false;
    }
  }
}
