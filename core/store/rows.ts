/**
 * Message rows as the lease query returns them, and their conversion to the Store's types; the same
 * columns and states in both stores. Rows come back as arrays (better-sqlite3's raw mode, pg's
 * rowMode 'array'): building a keyed object per row in the driver cost more than the lease itself.
 */
import type { QueueAttributes } from '../engine/attributes.js';
import type { LeasedMessage, NewMessage, QueueRecord } from './store.js';

export const MESSAGE_COLUMNS =
  'id, priority, visible_at, enqueue_time, first_dequeue_time, dequeue_count, lease_token, body, attributes, reply_to, correlation_id, source_queue';

/** The columns of MESSAGE_COLUMNS, in order. */
export type MessageTuple = [
  id: number,
  priority: number,
  visibleAt: number,
  enqueueTime: number,
  firstDequeueTime: number | null,
  dequeueCount: number,
  leaseToken: number | null,
  body: string,
  attributes: string | null,
  replyTo: string | null,
  correlationId: string | null,
  sourceQueue: string | null,
];

export const STATE = { ready: 0, leased: 1, delayed: 2, kept: 3 } as const;

/** The state a new message is stored in: leased when handed to a waiting consumer, else delayed or ready. */
export function initialState(message: NewMessage, now: number): number {
  return message.lease ? STATE.leased : message.visibleAt > now ? STATE.delayed : STATE.ready;
}

/** Priority first (highest), then age (lowest id). */
export function deliveryOrder(a: MessageTuple, b: MessageTuple): number {
  return b[1] - a[1] || a[0] - b[0];
}

export function toLeasedMessage(r: MessageTuple): LeasedMessage {
  return {
    msgId: String(r[0]),
    priority: r[1],
    nextVisibleTime: r[2],
    enqueueTime: r[3],
    firstDequeueTime: r[4],
    dequeueCount: r[5],
    leaseToken: r[6] ?? 0,
    body: r[7],
    attributes: r[8] === null ? null : (JSON.parse(r[8]) as Record<string, string>),
    replyTo: r[9],
    correlationId: r[10],
    sourceQueue: r[11],
  };
}

/**
 * What the decision to end a leased message (dead-letter it, or end it as cancelled) needs to know
 * of it: the columns of CANDIDATE_COLUMNS.
 */
export interface DeadLetterCandidate {
  id: number;
  state: number;
  dequeue_count: number;
  reply_to: string | null;
  correlation_id: string | null;
  /** When a cancel reached it while leased; it then ends instead of becoming ready again. */
  cancelled_at: number | null;
}

export const CANDIDATE_COLUMNS = 'id, state, dequeue_count, reply_to, correlation_id, cancelled_at';

/** A queue as the stores keep it: its record and its row id. */
export interface QueueRow extends QueueRecord {
  id: number;
}

/** A queues row as read from either database. */
export interface RawQueueRow {
  id: number;
  name: string;
  attributes: string;
  created_at: number;
  modified_at: number;
}

export const QUEUE_COLUMNS = 'id, name, attributes, created_at, modified_at';

export function toQueueRow(raw: RawQueueRow): QueueRow {
  return { id: raw.id, name: raw.name, attributes: JSON.parse(raw.attributes) as QueueAttributes, createdAt: raw.created_at, modifiedAt: raw.modified_at };
}

export function toRecord(row: QueueRow): QueueRecord {
  return { name: row.name, attributes: row.attributes, createdAt: row.createdAt, modifiedAt: row.modifiedAt };
}
