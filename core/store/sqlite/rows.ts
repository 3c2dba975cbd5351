/** Message rows as SQLite returns them, and their conversion to the Store's types. */
import type { LeasedMessage, StoredMessage } from '../store.js';

export const MESSAGE_COLUMNS =
  'id, priority, visible_at, enqueue_time, first_dequeue_time, dequeue_count, lease_token, body, attributes, reply_to, correlation_id, source_queue';

export interface MessageRow {
  id: number;
  priority: number;
  visible_at: number;
  enqueue_time: number;
  first_dequeue_time: number | null;
  dequeue_count: number;
  lease_token: number | null;
  body: string;
  attributes: string | null;
  reply_to: string | null;
  correlation_id: string | null;
  source_queue: string | null;
}

export const STATE = { ready: 0, leased: 1, delayed: 2, kept: 3 } as const;

export function toStoredMessage(row: MessageRow): StoredMessage {
  return {
    msgId: String(row.id),
    body: row.body,
    priority: row.priority,
    enqueueTime: row.enqueue_time,
    nextVisibleTime: row.visible_at,
    firstDequeueTime: row.first_dequeue_time,
    dequeueCount: row.dequeue_count,
    attributes: row.attributes === null ? null : (JSON.parse(row.attributes) as Record<string, string>),
    replyTo: row.reply_to,
    correlationId: row.correlation_id,
    sourceQueue: row.source_queue,
  };
}

export function toLeasedMessage(row: MessageRow): LeasedMessage {
  return { ...toStoredMessage(row), leaseToken: row.lease_token ?? 0 };
}
