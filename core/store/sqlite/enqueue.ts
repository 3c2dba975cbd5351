/**
 * enqueue: insert messages in order, ready or delayed by their visibleAt.
 * - A dedupId seen in this queue within the window returns the first msgId and stores nothing.
 * - Fails with BACKLOG_FULL, storing none of the batch, when the queue's unfinished messages
 *   (ready, leased, delayed) would exceed maxMsgHeapNum. Duplicates store nothing, so they do not count.
 */
import type { Database, Statement } from 'better-sqlite3';
import { checkBacklog } from '../rules.js';
import type { NewMessage } from '../store.js';
import type { QueueCounts } from './counts.js';
import type { QueueRow } from './queues.js';
import { initialState } from '../rows.js';

type InsertParams = [number, number, number, number, number, string, string | null, string | null, string | null, string | null, number | null, number, number | null];

export class MessageWriter {
  private readonly insert: Statement<InsertParams>;
  private readonly findDedup: Statement<[number, string, number], { msg_id: number }>;
  private readonly saveDedup: Statement<[number, string, number, number]>;

  constructor(db: Database, private readonly counts: QueueCounts) {
    this.insert = db.prepare(
      `INSERT INTO messages (queue_id, state, priority, visible_at, enqueue_time, body, attributes, reply_to, correlation_id, source_queue,
         lease_token, dequeue_count, first_dequeue_time)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.findDedup = db.prepare('SELECT msg_id FROM dedup WHERE queue_id = ? AND dedup_id = ? AND expires_at > ?');
    this.saveDedup = db.prepare('INSERT OR REPLACE INTO dedup (queue_id, dedup_id, msg_id, expires_at) VALUES (?, ?, ?, ?)');
  }

  enqueue(queue: QueueRow, messages: NewMessage[], now: number, dedupWindowMs: number): string[] {
    // Duplicates are found before the cap is checked: a retried send that was already accepted gets
    // its msgId back even when the queue is full, and stores nothing, so it does not count.
    const seen = messages.some((m) => m.dedupId !== null) ? this.duplicates(queue.id, messages, now) : null;
    const backlog = this.counts.backlog(queue.id);
    const stored = seen === null ? messages.length : messages.length - seen.count;
    checkBacklog(queue.name, queue.attributes, backlog, stored);
    const ids: string[] = [];
    const inBatch = new Map<string, number>();
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      const earlier = seen?.ids[i] ?? (message.dedupId === null ? undefined : inBatch.get(message.dedupId));
      if (earlier !== undefined) {
        ids.push(String(earlier));
        continue;
      }
      const id = this.insertOne(queue.id, message, now, null);
      if (message.dedupId !== null) {
        this.saveDedup.run(queue.id, message.dedupId, id, now + dedupWindowMs);
        inBatch.set(message.dedupId, id);
      }
      ids.push(String(id));
    }
    return ids;
  }

  /** Per message, the msgId of an earlier message with its dedupId (in the window, or earlier in the batch); and how many. */
  private duplicates(queueId: number, messages: NewMessage[], now: number): { ids: (number | undefined)[]; count: number } {
    const ids: (number | undefined)[] = [];
    const firstInBatch = new Set<string>();
    let count = 0;
    for (const { dedupId } of messages) {
      let id: number | undefined;
      let duplicate = false;
      if (dedupId !== null) {
        id = this.findDedup.get(queueId, dedupId, now)?.msg_id;
        duplicate = id !== undefined || firstInBatch.has(dedupId);
        firstInBatch.add(dedupId);
      }
      ids.push(id);
      if (duplicate) count++;
    }
    return { ids, count };
  }

  /**
   * Inserts one message without the backlog check (replies, dead-letter notices). A message with a
   * lease is stored leased: delivered once, as if claimed at `now`.
   */
  insertOne(queueId: number, message: NewMessage, now: number, sourceQueue: string | null): number {
    const state = initialState(message, now);
    const { lease } = message;
    const attributes = message.attributes === null ? null : JSON.stringify(message.attributes);
    const { lastInsertRowid } = this.insert.run(
      queueId, state, message.priority, lease ? lease.leaseUntil : message.visibleAt, now, message.body, attributes, message.replyTo, message.correlationId, sourceQueue,
      lease ? lease.leaseToken : null, lease ? 1 : 0, lease ? now : null,
    );
    this.counts.add(queueId, state);
    return Number(lastInsertRowid);
  }
}
