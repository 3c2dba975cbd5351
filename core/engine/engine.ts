/**
 * The queue engine: CMQ/SQS queue semantics over a Store. It validates input, resolves times on
 * its clock, and wakes push consumers and long polls when messages become ready. It never talks
 * to the network; the server and the in-process task runtimes both build on it.
 */
import { EventEmitter } from 'node:events';
import { SpoolError, asError, toSpoolError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { staleReceipt } from '../store/rules.js';
import type { CancelOutcome, ListQueuesQuery, NewMessage, QueueRecord, QueueStats, Receipt, Store } from '../store/store.js';
import { checkInteger, resolveAttributes, sameAttributes, type QueueAttributesInput } from './attributes.js';
import { FakeClock, systemClock, type Clock } from './clock.js';
import { Dispatcher, type Demand } from './dispatcher.js';
import { cancelHandovers, handOver, reserveHandovers } from './handoff.js';
import { KeepAlive } from './keep-alive.js';
import { readEveryPage } from './paging.js';
import { toReceived, type ReceivedMessage } from './message.js';
import { decodeReceipt, newLeaseToken } from './receipt.js';
import { Sweeper, type Recovery } from './sweeper.js';
import { PUSH_QUEUE_PREFIX } from '../store/topic-rows.js';
import { Topics, reservedName } from './topics.js';
import { checkBatch, checkBody, checkListQuery, checkQueueName, toNewMessage, type SendInput } from './validate.js';

export interface EngineOptions {
  store: Store;
  /** Default: the system clock. Tests pass a FakeClock. */
  clock?: Clock;
  /** How often retention, rewind window, TTL dead letters and dedup expiry are swept; default 1000 ms. */
  sweepIntervalMs?: number;
  /**
   * Called with failures of background work (lease expiry, sweeps, push consumers); default: ignore.
   * Expiry and sweeps retry every second; `events` says `recovered` when they succeed again.
   */
  onError?: (err: SpoolError) => void;
}

export interface ReceiveOptions {
  /** Seconds to wait for a message when none is ready (0-30); default: the queue's pollingWaitSeconds. */
  waitSeconds?: number;
  /** Lease length in seconds for this receive (1-43200); default: the queue's visibilityTimeout. */
  visibilityTimeout?: number;
  /** Ends a long poll early (it resolves with what it has: nothing). */
  signal?: AbortSignal;
}

export interface ReceiveBatchOptions extends ReceiveOptions {
  /** 1-16; default 16. */
  max?: number;
}

export interface ConsumeOptions {
  /** Messages delivered and not yet finished at once (1-10000). */
  prefetch: number;
  /** Lease length in seconds; default: the queue's visibilityTimeout. */
  visibilityTimeout?: number;
}

/** A push consumer. Its handler's promise settling gives the credit back. */
export interface Consumer {
  readonly queue: string;
  /** Changes how many unfinished messages it may hold (1-10000); those it holds still count. */
  setPrefetch(prefetch: number): void;
  close(): void;
}

export interface DeleteBatchResult {
  deleted: string[];
  failed: { receiptHandle: string; code: string; message: string }[];
}

export type ReplyInput = SendInput & { queue: string };

/** What the engine reports as it works (for metrics); `count` is a number of messages. */
export interface EngineEvents {
  sent: [{ queue: string; count: number }];
  received: [{ queue: string; count: number }];
  deleted: [{ queue: string; count: number }];
  /** A leased message was cancelled: whoever holds its lease should stop and settle it. */
  cancel: [{ queue: string; msgId: string }];
  /** Background work (lease expiry, the sweep) succeeded again after failing, e.g. when the store is back. */
  recovered: [Recovery];
}

export class Engine {
  readonly clock: Clock;
  /** Counts of sent, received and deleted messages as they happen; listeners cannot break the engine. */
  readonly events = new EventEmitter<EngineEvents>();
  /** Topics and publish (topics.ts, docs/topics.md). */
  readonly topics: Topics;
  private readonly store: Store;
  private readonly dispatcher: Dispatcher;
  private readonly sweeper: Sweeper;
  private readonly onError: (err: unknown) => void;
  private readonly attributeCache = new Map<string, QueueRecord>();
  private readonly waiters = new Set<() => void>();
  private readonly keepAlive = new KeepAlive();
  /** Open push consumers per queue. */
  private readonly consumers = new Map<string, number>();
  private closing: Promise<void> | null = null;
  private unregisterClock: (() => void) | null = null;
  private unwatch: (() => void) | null = null;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    checkEngineOptions(options);
    const onError = options.onError ?? (() => {});
    const sweepIntervalMs = options.sweepIntervalMs ?? 1000;
    this.onError = (err: unknown) => {
      try {
        onError(toSpoolError(err));
      } catch (thrown) {
        // Background work has no caller to hand this to: a throwing onError must not take the process down.
        process.emitWarning(`the engine's onError threw: ${asError(thrown).message}`, 'SpoolEngineWarning');
      }
    };
    this.dispatcher = new Dispatcher(
      (queue, max, visibilityMs) => this.claim(queue, max, visibilityMs),
      (queue, messages) => void this.returnUndelivered(queue, messages.map((m) => m.receiptHandle)).catch(this.onError),
      this.onError,
    );
    this.sweeper = new Sweeper({
      clock: this.clock,
      sweepIntervalMs,
      expire: (now) => this.store.expire(now),
      sweep: (now) => this.store.sweep(now),
      wake: (queues) => this.wake(queues),
      onError: this.onError,
      onRecovered: (recovery) => this.emit('recovered', recovery),
    });
    this.sweeper.start();
    this.topics = new Topics({
      store: this.store,
      clock: this.clock,
      checkOpen: () => this.checkOpen(),
      getQueue: (name) => this.getQueue(name),
      queueDeleted: (name) => {
        this.attributeCache.delete(name);
        this.dispatcher.forget(name);
      },
      delivered: (counts) => {
        for (const [queue, count] of counts) {
          this.dispatcher.wake(queue);
          this.emit('sent', { queue, count });
        }
      },
    });
    // A shared store reports other brokers' sends, queue changes and cancels (and its own commits).
    this.unwatch =
      this.store.watch?.((event) => {
        if (event.kind === 'changed') this.attributeCache.delete(event.queue);
        else if (event.kind === 'cancel') this.emit('cancel', { queue: event.queue, msgId: event.msgId });
        else this.dispatcher.wake(event.queue);
      }) ?? null;
    // A fake clock's advance() waits for the commits its timers start (they may wait on disk syncs).
    if (this.clock instanceof FakeClock) this.unregisterClock = this.clock.waitFor(() => this.store.drained());
  }

  // ---- queues ----

  /** Creates a queue; the same name with the same attributes is not an error (created: false). Throws QUEUE_EXISTS on different attributes. */
  async createQueue(name: string, attributes?: QueueAttributesInput): Promise<{ created: boolean; queue: QueueRecord }> {
    this.checkOpen();
    checkQueueName(name);
    if (name.startsWith(PUSH_QUEUE_PREFIX)) throw reservedName(name);
    const resolved = resolveAttributes(attributes);
    const result = await this.store.createQueue(name, resolved, this.clock.now());
    if (!result.created && !sameAttributes(result.queue.attributes, resolved)) {
      throw new SpoolError('QUEUE_EXISTS', `queue ${JSON.stringify(name)} exists with other attributes`);
    }
    this.attributeCache.set(name, result.queue);
    return result;
  }

  async getQueue(name: string): Promise<QueueRecord> {
    this.checkOpen();
    checkQueueName(name);
    const cached = this.attributeCache.get(name);
    if (cached) return cached;
    const queue = await this.store.getQueue(name);
    if (!queue) throw new SpoolError('QUEUE_NOT_FOUND', `queue ${JSON.stringify(name)} does not exist`);
    this.attributeCache.set(name, queue);
    return queue;
  }

  /** Queues whose names start with `prefix`, in name order; limit 1-1000 (default 20). */
  async listQueues(query: Partial<ListQueuesQuery> = {}): Promise<{ total: number; queues: QueueRecord[] }> {
    this.checkOpen();
    return this.store.listQueues(checkListQuery(query));
  }

  /** Every queue whose name starts with `prefix`, in name order, read a page at a time. */
  allQueues(prefix = ''): Promise<QueueRecord[]> {
    return readEveryPage(async (offset, limit) => {
      const { total, queues } = await this.listQueues({ prefix, offset, limit });
      return { total, items: queues };
    });
  }

  /** Changes some attributes; the others keep their values. */
  async setQueueAttributes(name: string, attributes: QueueAttributesInput): Promise<QueueRecord> {
    const current = await this.getQueue(name);
    const resolved = resolveAttributes(attributes, current.attributes);
    const queue = await this.store.updateQueue(name, resolved, this.clock.now());
    this.attributeCache.set(name, queue);
    return queue;
  }

  async deleteQueue(name: string): Promise<void> {
    this.checkOpen();
    checkQueueName(name);
    this.attributeCache.delete(name);
    await this.store.deleteQueue(name);
    this.attributeCache.delete(name);
    this.dispatcher.forget(name);
  }

  /** Removes every message; resolves with how many. */
  async purgeQueue(name: string): Promise<number> {
    this.checkOpen();
    checkQueueName(name);
    const removed = await this.store.purgeQueue(name);
    this.dispatcher.forget(name);
    return removed;
  }

  async stats(name: string): Promise<QueueStats> {
    this.checkOpen();
    checkQueueName(name);
    return this.store.stats(name, this.clock.now());
  }

  /** Makes deleted messages enqueued at or after `since` (Unix ms) receivable again (needs rewindSeconds > 0). */
  async rewind(name: string, since: number): Promise<number> {
    this.checkOpen();
    checkQueueName(name);
    checkInteger('since', since, 0, Number.MAX_SAFE_INTEGER, 'INVALID_PARAMETER');
    const count = await this.store.rewind(name, since, this.clock.now());
    this.wake([name]);
    return count;
  }

  /** Moves a dead-letter queue's messages back to the queues they came from. */
  async redrive(deadLetterQueue: string): Promise<number> {
    this.checkOpen();
    checkQueueName(deadLetterQueue);
    const { moved, woken } = await this.store.redrive(deadLetterQueue, this.clock.now());
    this.wake(woken);
    return moved;
  }

  // ---- messages ----

  /** Sends one message; resolves with its msgId once it is durable. */
  async send(queue: string, message: SendInput): Promise<string> {
    const [msgId] = await this.enqueue(queue, [message]);
    return msgId!;
  }

  /** Sends 1-16 messages in one commit; all are stored or none. */
  async sendBatch(queue: string, messages: SendInput[]): Promise<string[]> {
    return this.enqueue(queue, checkBatch<SendInput>(messages, 'messages'));
  }

  /** Leases one message, or resolves null when none is ready within the wait. */
  async receive(queue: string, options: ReceiveOptions = {}): Promise<ReceivedMessage | null> {
    const [message] = await this.receiveBatch(queue, { ...options, max: 1 });
    return message ?? null;
  }

  /** Leases up to `max` ready messages; returns what is ready without waiting for `max`. */
  async receiveBatch(queue: string, options: ReceiveBatchOptions = {}): Promise<ReceivedMessage[]> {
    const { attributes } = await this.getQueue(queue);
    const max = checkInteger('max', options.max ?? LIMITS.batchMax, 1, LIMITS.batchMax);
    const waitSeconds = checkInteger('waitSeconds', options.waitSeconds ?? attributes.pollingWaitSeconds, 0, LIMITS.pollingWaitSecondsMax);
    const visibilityMs = 1000 * checkInteger('visibilityTimeout', options.visibilityTimeout ?? attributes.visibilityTimeout, 1, LIMITS.visibilityTimeoutMax);
    if (waitSeconds === 0) return this.claim(queue, max, visibilityMs);
    return this.waitFor(queue, max, visibilityMs, waitSeconds * 1000, options.signal);
  }

  /** Deletes (acks) a message; throws RECEIPT_HANDLE_STALE unless the handle is the current lease. */
  async delete(queue: string, receiptHandle: string): Promise<void> {
    const result = await this.deleteBatch(queue, [receiptHandle]);
    const failure = result.failed[0];
    if (failure) throw new SpoolError(failure.code as 'RECEIPT_HANDLE_STALE', failure.message);
  }

  /** Deletes 1-16 messages; each handle succeeds or fails on its own. */
  async deleteBatch(queue: string, receiptHandles: string[]): Promise<DeleteBatchResult> {
    checkBatch<string>(receiptHandles, 'receiptHandles');
    await this.getQueue(queue);
    const result: DeleteBatchResult = { deleted: [], failed: [] };
    const valid: { handle: string; receipt: Receipt }[] = [];
    for (const handle of receiptHandles) {
      try {
        valid.push({ handle, receipt: decodeReceipt(handle) });
      } catch (err) {
        const e = toSpoolError(err);
        result.failed.push({ receiptHandle: String(handle), code: e.code, message: e.message });
      }
    }
    if (valid.length === 0) return result;
    const outcomes = await this.store.ack(queue, valid.map((v) => v.receipt), this.clock.now());
    outcomes.forEach((code, i) => {
      const handle = valid[i]!.handle;
      if (code === null) result.deleted.push(handle);
      else result.failed.push({ receiptHandle: handle, code, message: 'receipt handle is not the current lease of this message' });
    });
    if (result.deleted.length > 0) this.emit('deleted', { queue, count: result.deleted.length });
    return result;
  }

  /**
   * Sets the lease to end `visibilityTimeout` seconds from now (extend), or with 0 makes the
   * message ready at once. Throws RECEIPT_HANDLE_STALE unless the handle is the current lease.
   */
  async changeVisibility(queue: string, receiptHandle: string, visibilityTimeout: number, options: { body?: string } = {}): Promise<{ nextVisibleTime: number }> {
    const { attributes } = await this.getQueue(queue);
    const receipt = decodeReceipt(receiptHandle);
    const seconds = checkInteger('visibilityTimeout', visibilityTimeout, 0, LIMITS.visibilityTimeoutMax);
    const body = options.body === undefined ? undefined : checkBody(options.body, attributes.maxMsgSize);
    if (body !== undefined && seconds === 0) throw new SpoolError('INVALID_PARAMETER', 'a new body goes with an extension (visibilityTimeout ≥ 1), not a release');
    const now = this.clock.now();
    const nextVisibleTime = now + seconds * 1000;
    const { woken } = await this.store.changeVisibility(queue, receipt, nextVisibleTime, seconds === 0, now, body);
    this.wake(woken);
    if (seconds > 0) this.sweeper.dueBy(nextVisibleTime);
    return { nextVisibleTime };
  }

  /**
   * Gives a lease up (nack): the message becomes receivable after `delaySeconds` (default 0; a
   * fraction gives millisecond backoffs), or goes to the dead-letter queue if its receive count is
   * used up.
   */
  async release(queue: string, receiptHandle: string, delaySeconds = 0): Promise<void> {
    await this.getQueue(queue);
    const receipt = decodeReceipt(receiptHandle);
    if (typeof delaySeconds !== 'number' || !Number.isFinite(delaySeconds) || delaySeconds < 0 || delaySeconds > LIMITS.delaySecondsMax) {
      throw new SpoolError('INVALID_PARAMETER', `delaySeconds must be a number from 0 to ${LIMITS.delaySecondsMax}`);
    }
    const now = this.clock.now();
    const visibleAt = now + Math.round(delaySeconds * 1000);
    // A release may dead-letter the message: wake whichever queues gained a ready message.
    const { woken } = await this.store.changeVisibility(queue, receipt, visibleAt, true, now);
    this.wake(woken);
    if (visibleAt > now) this.sweeper.dueBy(visibleAt);
  }

  /**
   * Puts a leased message back that its holder never started (it held it for a free slot, then did
   * not need it): ready again at once, and this delivery does not count toward dequeueCount or
   * maxReceiveCount, so giving a task back never uses up one of its attempts. RECEIPT_HANDLE_STALE
   * when the lease is not current.
   */
  async requeue(queue: string, receiptHandle: string): Promise<void> {
    await this.getQueue(queue);
    const receipt = decodeReceipt(receiptHandle);
    const { woken } = await this.store.unclaim(queue, [receipt], this.clock.now());
    if (woken.length === 0) throw staleReceipt();
    this.wake(woken);
  }

  /**
   * Cancels a message by msgId: one not yet leased is deleted ('removed'); for a leased one the
   * holder is told through the `cancel` event (the push layers forward it to the consumer holding
   * the lease) and 'running' is returned; 'gone' when no such message waits or runs. A leased one
   * is also marked: if its holder lets the lease go (release, expiry, given back) instead of
   * settling it, it ends, with a `cancelled` notice to its replyTo, rather than running again.
   */
  async cancelMessage(queue: string, msgId: string): Promise<CancelOutcome> {
    await this.getQueue(queue);
    if (typeof msgId !== 'string' || !/^[1-9][0-9]{0,15}$/.test(msgId)) throw new SpoolError('INVALID_PARAMETER', 'msgId must be a message id');
    const outcome = await this.store.cancel(queue, msgId, this.clock.now());
    if (outcome === 'running') this.emit('cancel', { queue, msgId });
    return outcome;
  }

  /**
   * Gives back messages that were leased but never handed to anyone (e.g. a push layer's consumer
   * left before it could forward them): they are ready again at once and this delivery does not
   * count toward dequeueCount or maxReceiveCount. Stale handles are skipped.
   */
  async returnUndelivered(queue: string, receiptHandles: string[]): Promise<void> {
    if (receiptHandles.length === 0) return;
    const { woken } = await this.store.unclaim(queue, receiptHandles.map(decodeReceipt), this.clock.now());
    this.wake(woken);
  }

  /**
   * Deletes a leased message and sends `reply` to `reply.queue` in one commit, only if the lease is
   * current (else RECEIPT_HANDLE_STALE, and nothing is sent). Resolves with the reply's msgId.
   * A missing reply queue is REPLY_QUEUE_NOT_FOUND, and the lease is left as it was. The reply
   * takes a send's fields but dedupId.
   */
  async complete(queue: string, receiptHandle: string, reply: ReplyInput): Promise<string> {
    await this.getQueue(queue);
    const receipt = decodeReceipt(receiptHandle);
    if (typeof reply !== 'object' || reply === null) throw new SpoolError('INVALID_PARAMETER', 'reply must be an object with queue and body');
    const { queue: replyQueue, ...message } = reply;
    // The lease already makes a complete happen once (a retry with the same handle is stale); a
    // dedupId would promise a window the reply does not get.
    if ((message as { dedupId?: unknown }).dedupId !== undefined) throw new SpoolError('INVALID_PARAMETER', 'a reply cannot carry a dedupId: complete happens once per lease');
    const target = await this.getQueue(checkQueueName(replyQueue, 'reply queue')).catch((err: unknown) => {
      // Its own code: the lease is still current, and whoever holds it must not take this for a lost one.
      if (err instanceof SpoolError && err.code === 'QUEUE_NOT_FOUND') throw new SpoolError('REPLY_QUEUE_NOT_FOUND', `reply queue ${JSON.stringify(replyQueue)} does not exist`);
      throw err;
    });
    const now = this.clock.now();
    const newMessage = toNewMessage(message, target.attributes, now);
    const [msgId] = await this.storeFor(replyQueue, [newMessage], now, () => this.store.complete(queue, receipt, { queue: replyQueue, message: newMessage }, now).then(inList));
    this.emit('deleted', { queue, count: 1 });
    return msgId!;
  }

  /**
   * Pushes ready messages to `handler` as they become ready, at most `prefetch` unfinished at once.
   * The handler acks (delete/complete) or releases each message itself; when its promise settles
   * the credit comes back. A handler that throws leaves the lease to expire.
   */
  consume(queue: string, options: ConsumeOptions, handler: (message: ReceivedMessage) => unknown): Consumer {
    this.checkOpen();
    checkQueueName(queue);
    if (typeof handler !== 'function') throw new TypeError('consume needs a handler function for the messages');
    let prefetch = checkInteger('prefetch', options.prefetch, 1, 10_000);
    if (options.visibilityTimeout !== undefined) checkInteger('visibilityTimeout', options.visibilityTimeout, 1, LIMITS.visibilityTimeoutMax);
    let visibilityMs = 0;
    let inFlight = 0;
    let closed = false;
    const release = this.keepAlive.hold();
    const demand: Demand = {
      credit: () => (closed ? 0 : prefetch - inFlight),
      get visibilityMs() {
        return visibilityMs;
      },
      deliver: (messages) => {
        for (const message of messages) {
          inFlight++;
          Promise.resolve()
            .then(() => handler(message))
            .catch(this.onError)
            .finally(() => {
              inFlight--;
              if (!closed) this.dispatcher.creditReturned(queue);
            });
        }
      },
    };
    const consumer: Consumer = {
      queue,
      setPrefetch: (next) => {
        prefetch = checkInteger('prefetch', next, 1, 10_000);
        if (!closed) this.dispatcher.creditReturned(queue);
      },
      close: () => {
        if (closed) return;
        closed = true;
        release();
        this.dispatcher.remove(queue, demand);
        const left = this.consumers.get(queue)! - 1;
        if (left === 0) this.consumers.delete(queue);
        else this.consumers.set(queue, left);
      },
    };
    this.consumers.set(queue, (this.consumers.get(queue) ?? 0) + 1);
    // The lease length needs the queue's attributes; start once they are known.
    this.getQueue(queue)
      .then(({ attributes }) => {
        const seconds = options.visibilityTimeout ?? attributes.visibilityTimeout;
        visibilityMs = 1000 * checkInteger('visibilityTimeout', seconds, 1, LIMITS.visibilityTimeoutMax);
        if (!closed) this.dispatcher.add(queue, demand);
      })
      .catch(this.onError);
    return consumer;
  }

  /** Push consumers open on `queue` in this engine (a WebSocket subscription is one; a paused one is not). */
  consumerCount(queue: string): number {
    return this.consumers.get(queue) ?? 0;
  }

  /** Stops background work, ends long polls (they resolve empty) and closes the store. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.sweeper.close();
      this.keepAlive.stop();
      this.unwatch?.();
      this.unregisterClock?.();
      for (const wakeUp of [...this.waiters]) wakeUp();
      await this.store.close();
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- internals ----

  private async enqueue(queue: string, inputs: SendInput[]): Promise<string[]> {
    const { attributes } = await this.getQueue(queue);
    const now = this.clock.now();
    const messages = inputs.map((input) => toNewMessage(input, attributes, now));
    return this.storeFor(queue, messages, now, () => this.store.enqueue(queue, messages, now, LIMITS.dedupWindowMs));
  }

  /**
   * Stores `messages` bound for `queue` with `storing` (resolving with their msgIds): those a
   * consumer waiting on the empty queue can take are stored leased to it and handed over after the
   * commit (handoff.ts); for the other ready ones, the queue's consumers are woken.
   */
  private async storeFor(queue: string, messages: NewMessage[], now: number, storing: () => Promise<string[]>): Promise<string[]> {
    const handovers = reserveHandovers(this.dispatcher, queue, messages, now);
    const stored = storing();
    // The earliest delay or handed-off lease to end, and whether any message is stored ready.
    let due = Infinity;
    let ready = false;
    for (const m of messages) {
      if (m.lease) due = Math.min(due, m.lease.leaseUntil);
      else if (m.visibleAt > now) due = Math.min(due, m.visibleAt);
      else ready = true;
    }
    // Waking now, before the commit, lets a waiting consumer's claim join the same commit right
    // after the insert: it is answered only once the batch is durable, and saves a round of its own.
    if (ready) this.dispatcher.wake(queue);
    let ids: string[];
    try {
      ids = await stored;
    } catch (err) {
      if (handovers) cancelHandovers(this.dispatcher, queue, handovers);
      throw err;
    }
    this.emit('sent', { queue, count: ids.length });
    if (due !== Infinity) this.sweeper.dueBy(due);
    if (handovers) {
      this.emit('received', { queue, count: handovers.length });
      handOver(this.dispatcher, queue, handovers, messages, ids, now);
    }
    return ids;
  }

  private async claim(queue: string, max: number, visibilityMs: number): Promise<ReceivedMessage[]> {
    this.checkOpen();
    const now = this.clock.now();
    const leaseUntil = now + visibilityMs;
    const leased = await this.store.claim(queue, max, leaseUntil, newLeaseToken(), now);
    if (leased.length > 0) {
      this.sweeper.dueBy(leaseUntil);
      this.emit('received', { queue, count: leased.length });
    }
    return leased.map(toReceived);
  }

  private waitFor(queue: string, max: number, visibilityMs: number, waitMs: number, signal?: AbortSignal): Promise<ReceivedMessage[]> {
    if (signal?.aborted) return Promise.resolve([]);
    return new Promise((resolve) => {
      let done = false;
      const release = this.keepAlive.hold();
      const finish = (messages: ReceivedMessage[]) => {
        if (done) return;
        done = true;
        release();
        this.clock.clearTimeout(timer);
        this.waiters.delete(wakeUp);
        signal?.removeEventListener('abort', wakeUp);
        this.dispatcher.remove(queue, demand);
        resolve(messages);
      };
      const wakeUp = () => finish([]);
      const demand: Demand = { credit: () => (done ? 0 : max), visibilityMs, deliver: finish };
      const timer = this.clock.setTimeout(wakeUp, waitMs);
      this.waiters.add(wakeUp);
      signal?.addEventListener('abort', wakeUp, { once: true });
      this.dispatcher.add(queue, demand);
    });
  }

  private emit<K extends keyof EngineEvents>(event: K, payload: EngineEvents[K][0]): void {
    if (this.events.listenerCount(event) === 0) return;
    try {
      (this.events.emit as (event: K, payload: EngineEvents[K][0]) => boolean)(event, payload);
    } catch (err) {
      this.onError(err);
    }
  }

  private wake(queues: string[]): void {
    for (const queue of queues) this.dispatcher.wake(queue);
  }

  private checkOpen(): void {
    if (this.closing) throw new SpoolError('CLOSED', 'the engine is closed');
  }
}

const inList = (msgId: string): string[] => [msgId];

/** The options the engine itself takes, checked before anything is opened (openEngine checks them before the store). */
export function checkEngineOptions(options: Pick<EngineOptions, 'sweepIntervalMs' | 'onError'>): void {
  if (options.onError !== undefined && typeof options.onError !== 'function') throw new TypeError('onError must be a function');
  const { sweepIntervalMs } = options;
  if (sweepIntervalMs !== undefined && (!Number.isSafeInteger(sweepIntervalMs) || sweepIntervalMs < 10 || sweepIntervalMs > 3_600_000)) {
    throw new TypeError(`sweepIntervalMs must be a whole number of ms from 10 to 3600000, got ${JSON.stringify(sweepIntervalMs)}`);
  }
}
