/**
 * The Store: everything the engine needs from durable storage, asynchronous, with no SQL dialect,
 * connection or transaction in its signatures. SQLite (core/store/sqlite) and PostgreSQL
 * (core/store/postgres) implement it. Every method that writes resolves only after its write is committed (and, for sends,
 * deletes, completes and queue changes, synced); operations that arrive together may share one
 * commit. Failures reject with SpoolError codes: QUEUE_NOT_FOUND, QUEUE_EXISTS, BACKLOG_FULL,
 * RECEIPT_HANDLE_STALE, INVALID_DEAD_LETTER_POLICY, QUEUE_IS_DEAD_LETTER_TARGET, REWIND_*, STORE_*.
 */
import type { QueueAttributes } from '../engine/attributes.js';
import type { TopicStore } from './topic-store.js';

export interface QueueRecord {
  name: string;
  attributes: QueueAttributes;
  /** Unix ms. */
  createdAt: number;
  modifiedAt: number;
}

/** A message as the engine hands it to the store: validated, times resolved. */
export interface NewMessage {
  body: string;
  priority: number;
  /** Unix ms when it becomes receivable (now, or later when delayed). */
  visibleAt: number;
  attributes: Record<string, string> | null;
  dedupId: string | null;
  replyTo: string | null;
  correlationId: string | null;
  /** Stored already leased, to a consumer waiting for it (core/engine/handoff.ts); null: ready or delayed. */
  lease: Lease | null;
}

export interface StoredMessage {
  msgId: string;
  body: string;
  priority: number;
  enqueueTime: number;
  nextVisibleTime: number;
  firstDequeueTime: number | null;
  dequeueCount: number;
  attributes: Record<string, string> | null;
  replyTo: string | null;
  correlationId: string | null;
  /** Set on dead letters: the queue the message came from. */
  sourceQueue: string | null;
}

export interface LeasedMessage extends StoredMessage {
  leaseToken: number;
}

export interface Receipt {
  msgId: string;
  leaseToken: number;
}

/** The lease a message is stored with when it is handed to a waiting consumer: its first delivery, as a claim at the insert makes it. */
export interface Lease {
  leaseUntil: number;
  leaseToken: number;
}

export type CancelOutcome = 'removed' | 'running' | 'gone';

export interface QueueStats {
  activeMsgNum: number;
  inactiveMsgNum: number;
  delayMsgNum: number;
  rewindMsgNum: number;
  /** Enqueue time (Unix ms) of the oldest message not yet deleted, or null. */
  minMsgTime: number | null;
}

export interface ListQueuesQuery {
  prefix: string;
  offset: number;
  limit: number;
}

/** Queues that gained ready messages, so the engine can wake their consumers. */
export interface WakeResult {
  woken: string[];
}

export interface ExpireResult extends WakeResult {
  /** Unix ms of the next lease or delay that ends, or null when none is pending. */
  nextDueAt: number | null;
}

/**
 * A change the engine did not cause itself, or learns of only after a commit: 'ready' when a queue
 * gained ready messages, 'changed' when a queue was created, changed or deleted (drop what is
 * cached of it), 'cancel' when another broker cancelled a leased message (tell its holder).
 */
export type StoreEvent = { kind: 'ready' | 'changed'; queue: string } | { kind: 'cancel'; queue: string; msgId: string };

/** Queues and messages; topics through TopicStore (topic-store.ts). */
export interface Store extends TopicStore {
  createQueue(name: string, attributes: QueueAttributes, now: number): Promise<{ created: boolean; queue: QueueRecord }>;
  getQueue(name: string): Promise<QueueRecord | null>;
  listQueues(query: ListQueuesQuery): Promise<{ total: number; queues: QueueRecord[] }>;
  updateQueue(name: string, attributes: QueueAttributes, now: number): Promise<QueueRecord>;
  deleteQueue(name: string): Promise<void>;
  /** Removes every message of the queue; resolves with how many. */
  purgeQueue(name: string): Promise<number>;

  /** Stores messages in order; a dedupId seen within dedupWindowMs yields the first msgId again. */
  enqueue(queue: string, messages: NewMessage[], now: number, dedupWindowMs: number): Promise<string[]>;
  /** Leases up to `max` ready messages, highest priority then oldest first, until `leaseUntil`. */
  claim(queue: string, max: number, leaseUntil: number, leaseToken: number, now: number): Promise<LeasedMessage[]>;
  /** Deletes leased messages; per receipt null when deleted, else the error code. */
  ack(queue: string, receipts: Receipt[], now: number): Promise<(null | 'RECEIPT_HANDLE_STALE')[]>;
  /**
   * Moves a current lease's end to `visibleAt` (replacing the body when `body` is given: a task's
   * checkpoint); with `release`, gives the lease up (delay until visibleAt). Resolves with the queues that gained ready messages: the queue itself, or on a
   * release that dead-letters, the dead-letter queue and the replyTo queue that got a notice.
   */
  changeVisibility(queue: string, receipt: Receipt, visibleAt: number, release: boolean, now: number, body?: string): Promise<WakeResult>;
  /**
   * Cancels a message by id: one not leased is deleted ('removed'); a leased one is left to its
   * holder ('running'); 'gone' when there is no such message.
   */
  cancel(queue: string, msgId: string, now: number): Promise<CancelOutcome>;
  /**
   * Gives back leases whose messages were never handed to anyone (a consumer left while they were
   * being claimed): ready again at once, and the delivery is not counted. Stale receipts are skipped.
   */
  unclaim(queue: string, receipts: Receipt[], now: number): Promise<WakeResult>;
  /** Deletes a leased message and enqueues `reply` in one commit, only if the lease is current. */
  complete(queue: string, receipt: Receipt, reply: { queue: string; message: NewMessage }, now: number): Promise<string>;

  /** Ends due leases and delays (dead-lettering where the receive count is used up). */
  expire(now: number): Promise<ExpireResult>;
  /** Retention, rewind window, time-to-live dead letters and the dedup window. */
  sweep(now: number): Promise<WakeResult>;
  /** Makes deleted messages enqueued at or after `since` receivable again; resolves with how many. */
  rewind(queue: string, since: number, now: number): Promise<number>;
  /** Moves a dead-letter queue's messages back to their source queues. */
  redrive(deadLetterQueue: string, now: number): Promise<{ moved: number } & WakeResult>;
  stats(queue: string, now: number): Promise<QueueStats>;
  /**
   * Optional, for stores that several processes share: reports StoreEvents from writes this engine
   * did not make (other brokers on the same database) and its own sends once committed (so a claim
   * that ran before the commit is retried). Returns a function that unsubscribes.
   */
  watch?(listener: (event: StoreEvent) => void): () => void;
  /** Resolves once every operation submitted so far has been answered. */
  drained(): Promise<void>;
  /** Resolves when pending work is committed and the store is closed; idempotent. */
  close(): Promise<void>;
}

/**
 * What an acknowledged write survives: 'fsync' (power loss: synced before the reply, the default)
 * or 'process' (a crash of the process, not of the machine).
 */
export type StoreDurability = 'fsync' | 'process';

/** A store's durability option, default 'fsync': a misspelled one must not quietly turn fsync off. */
export function checkDurability(value: unknown): StoreDurability {
  if (value === undefined) return 'fsync';
  if (value === 'fsync' || value === 'process') return value;
  throw new TypeError(`durability must be 'fsync' or 'process', got ${JSON.stringify(value)}`);
}
