/**
 * enqueue: insert messages in order, ready or delayed by their visibleAt.
 * - A dedupId seen in this queue within the window returns the first msgId and stores nothing.
 * - Fails with BACKLOG_FULL, storing none of the batch, when the queue's unfinished messages
 *   (ready, leased, delayed) would exceed maxMsgHeapNum.
 */
import type { Database, Statement } from 'better-sqlite3';
import { SpoolError } from '../../errors.js';
import type { NewMessage } from '../store.js';
import type { QueueCounts } from './counts.js';
import type { QueueRow } from './queues.js';
import { STATE } from './rows.js';

type InsertParams = [number, number, number, number, number, string, string | null, string | null, string | null, string | null];

export class MessageWriter {
  private readonly insert: Statement<InsertParams>;
  private readonly findDedup: Statement<[number, string, number], { msg_id: number }>;
  private readonly saveDedup: Statement<[number, string, number, number]>;

  constructor(db: Database, private readonly counts: QueueCounts) {
    this.insert = db.prepare(
      `INSERT INTO messages (queue_id, state, priority, visible_at, enqueue_time, body, attributes, reply_to, correlation_id, source_queue)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.findDedup = db.prepare('SELECT msg_id FROM dedup WHERE queue_id = ? AND dedup_id = ? AND expires_at > ?');
    this.saveDedup = db.prepare('INSERT OR REPLACE INTO dedup (queue_id, dedup_id, msg_id, expires_at) VALUES (?, ?, ?, ?)');
  }

  enqueue(queue: QueueRow, messages: NewMessage[], now: number, dedupWindowMs: number): string[] {
    const backlog = this.counts.backlog(queue.id);
    if (backlog + messages.length > queue.attributes.maxMsgHeapNum) {
      throw new SpoolError('BACKLOG_FULL', `queue ${JSON.stringify(queue.name)} holds ${backlog} messages; its maxMsgHeapNum is ${queue.attributes.maxMsgHeapNum}`);
    }
    const ids: string[] = [];
    for (const message of messages) {
      if (message.dedupId !== null) {
        const seen = this.findDedup.get(queue.id, message.dedupId, now);
        if (seen) {
          ids.push(String(seen.msg_id));
          continue;
        }
      }
      const id = this.insertOne(queue.id, message, now, null);
      if (message.dedupId !== null) this.saveDedup.run(queue.id, message.dedupId, id, now + dedupWindowMs);
      ids.push(String(id));
    }
    return ids;
  }

  /** Inserts one message without the backlog check (replies, dead-letter notices). */
  insertOne(queueId: number, message: NewMessage, now: number, sourceQueue: string | null): number {
    const state = message.visibleAt > now ? STATE.delayed : STATE.ready;
    const attributes = message.attributes === null ? null : JSON.stringify(message.attributes);
    const { lastInsertRowid } = this.insert.run(queueId, state, message.priority, message.visibleAt, now, message.body, attributes, message.replyTo, message.correlationId, sourceQueue);
    this.counts.add(queueId, state);
    return Number(lastInsertRowid);
  }
}
