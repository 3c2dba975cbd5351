/** What the client sends and gets back: the native API's JSON shapes (docs/http-api.md, docs/protocol.md). */
import type { QueueAttributes, QueueAttributesInput } from '../engine/attributes.js';
import type { DeleteBatchResult, ReplyInput } from '../engine/engine.js';
import type { ReceivedMessage } from '../engine/message.js';
import type { SendInput } from '../engine/validate.js';
import type { QueueStats } from '../store/store.js';
import { LIMITS } from '../limits.js';

export type { QueueAttributes, QueueAttributesInput, QueueStats, SendInput, ReplyInput, DeleteBatchResult };
export type { CancelOutcome } from '../store/store.js';

/** A leased message as receive and push hand it over. */
export type Message = ReceivedMessage;

export interface QueueInfo {
  name: string;
  attributes: QueueAttributes;
  /** Unix ms. */
  createdAt: number;
  modifiedAt: number;
}

export interface QueueDetails extends QueueInfo {
  stats: QueueStats;
}

export interface CreateQueueResult {
  /** False when the queue already existed with the same attributes. */
  created: boolean;
  queue: QueueInfo;
}

export interface ListQueuesOptions {
  /** Only names starting with this. */
  prefix?: string;
  /** Default 0. */
  offset?: number;
  /** 1-1000, default 20. */
  limit?: number;
}

export interface QueueList {
  total: number;
  queues: QueueInfo[];
}

export interface ReceiveOptions {
  /** 1-16, default 16. */
  max?: number;
  /** Long poll: seconds to wait when nothing is ready (0-30); default the queue's pollingWaitSeconds. */
  waitSeconds?: number;
  /** Lease length, seconds; default the queue's visibilityTimeout. */
  visibilityTimeout?: number;
}

/** Most messages a subscription may hold at once (the broker's limit). */
export const PREFETCH_MAX = LIMITS.prefetchMax;

export interface SubscribeOptions {
  /** Messages handed over and not yet settled, at most (1-10000). */
  prefetch: number;
  /** Lease length, seconds; default the queue's visibilityTimeout. */
  visibilityTimeout?: number;
}

/**
 * A pushed message with its verbs. Settle it once with ack, release, requeue or complete; extend
 * keeps its lease. A verb that finds the lease gone (RECEIPT_HANDLE_STALE, a dropped connection)
 * rejects, and the message counts as settled all the same.
 */
export interface Delivery extends Message {
  readonly queue: string;
  /** True once acked, released, requeued, completed, or found gone. */
  readonly settled: boolean;
  /** Deletes the message. */
  ack(): Promise<void>;
  /**
   * Fires when the broker reports the message cancelled (docs/tasks.md): the holder should stop
   * and settle it. Also fires, with a SpoolConnectionError, when the connection drops and the
   * broker releases its leases (docs/protocol.md): the message is then another consumer's, and
   * its verbs throw. `cancelled` says which.
   */
  readonly signal: AbortSignal;
  /** True once the broker has reported the message cancelled (`signal` has fired). */
  readonly cancelled: boolean;
  /** Moves the lease end to `visibilityTimeout` seconds (1-43200) from now; `body` replaces the stored body (a checkpoint). */
  extend(visibilityTimeout: number, options?: { body?: string }): Promise<{ nextVisibleTime: number }>;
  /** Gives the message back (nack): receivable again after `delaySeconds` (default 0). */
  release(delaySeconds?: number): Promise<void>;
  /**
   * Gives back a message this consumer never started: ready again at once, and this delivery is
   * not counted (dequeueCount, maxReceiveCount), as if it had never been pushed.
   */
  requeue(): Promise<void>;
  /** Deletes the message and sends `reply` in one commit; resolves with the reply's msgId. */
  complete(reply: ReplyInput): Promise<string>;
}

/**
 * Called for each pushed message, up to `prefetch` at once. If it throws (or rejects) before
 * settling the message, the client emits 'error' and releases the message for redelivery after a
 * delay that doubles with each delivery (0.1 s, 0.2 s, 0.4 s, ... at most 30 s).
 * If it returns without settling, the message stays leased until it is settled or its lease ends.
 */
export type MessageHandler = (message: Delivery) => unknown;

export interface Subscription {
  readonly queue: string;
  /** Current prefetch. */
  readonly prefetch: number;
  /** Messages handed to the handler and not yet settled. */
  readonly inFlight: number;
  /** Changes the prefetch (0 pauses the subscription). */
  setPrefetch(prefetch: number): Promise<void>;
  /** Stops new deliveries, waits for the handlers' messages to be settled, then unsubscribes. */
  drain(): Promise<void>;
  /** Unsubscribes at once; unsettled messages are released by the broker. Idempotent. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Connection state of a client. A remote client opens its WebSocket on first use (subscribe or sendWs). */
export type ConnectionStatus =
  | { state: 'idle' }
  | { state: 'connecting'; attempt: number }
  | { state: 'open' }
  | { state: 'reconnecting'; attempt: number; delayMs: number; error: Error }
  | { state: 'closed' };

export interface ClientEvents {
  /** The connection state changed. */
  status: [ConnectionStatus];
  /** Background trouble: a handler threw, a resubscribe was refused, a release failed. */
  error: [{ error: Error; queue?: string }];
}
