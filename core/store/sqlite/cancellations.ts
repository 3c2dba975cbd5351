/**
 * Cancels of leased messages. A cancel does not take a message from the consumer holding it (the
 * lease stays current, so that the holder can settle it); it marks the message. If the holder lets
 * the lease go instead (a release, an expiry, a delivery given back) the message ends there, with
 * a notice to its replyTo queue, rather than becoming ready to run again.
 */
import type { Database, Statement } from 'better-sqlite3';
import { cancelNoticeMessage } from '../rules.js';
import type { DeadLetterCandidate, QueueRow } from '../rows.js';
import type { QueueCounts } from './counts.js';
import type { MessageWriter } from './enqueue.js';
import type { QueueDirectory } from './queues.js';

export class Cancellations {
  private readonly markStmt: Statement<[number, number]>;
  private readonly endStmt: Statement<[number]>;

  constructor(db: Database, private readonly queues: QueueDirectory, private readonly writer: MessageWriter, private readonly counts: QueueCounts) {
    this.markStmt = db.prepare('UPDATE messages SET cancelled_at = ? WHERE id = ?');
    this.endStmt = db.prepare('DELETE FROM messages WHERE id = ?');
  }

  mark(id: number, now: number): void {
    this.markStmt.run(now, id);
  }

  /** Ends a cancelled message its holder let go; returns the queues that gained a message (its replyTo). */
  end(message: DeadLetterCandidate, queue: QueueRow, now: number): string[] {
    this.endStmt.run(message.id);
    this.counts.add(queue.id, message.state, -1);
    const replyQueue = message.reply_to === null ? null : this.queues.find(message.reply_to);
    if (!replyQueue) return [];
    const notice = cancelNoticeMessage({ msgId: String(message.id), queue: queue.name, dequeueCount: message.dequeue_count, correlationId: message.correlation_id }, now);
    this.writer.insertOne(replyQueue.id, notice, now, null);
    return [replyQueue.name];
  }
}
