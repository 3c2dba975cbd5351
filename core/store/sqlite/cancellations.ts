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
  private readonly removeStmt: Statement<[number]>;

  constructor(db: Database, private readonly queues: QueueDirectory, private readonly writer: MessageWriter, private readonly counts: QueueCounts) {
    this.markStmt = db.prepare('UPDATE messages SET cancelled_at = ? WHERE id = ?');
    this.removeStmt = db.prepare('DELETE FROM messages WHERE id = ?');
  }

  mark(id: number, now: number): void {
    this.markStmt.run(now, id);
  }

  /** Deletes a cancelled message: one not leased at once, a leased one when its holder lets it go. */
  remove(queue: QueueRow, id: number, state: number): void {
    this.removeStmt.run(id);
    this.counts.add(queue.id, state, -1);
  }

  /** Ends a cancelled message its holder let go; returns the queues that gained a message (its replyTo). */
  end(message: DeadLetterCandidate, queue: QueueRow, now: number): string[] {
    this.remove(queue, message.id, message.state);
    const replyQueue = message.reply_to === null ? null : this.queues.find(message.reply_to);
    if (!replyQueue) return [];
    const notice = cancelNoticeMessage({ msgId: String(message.id), queue: queue.name, dequeueCount: message.dequeue_count, correlationId: message.correlation_id }, now);
    this.writer.insertOne(replyQueue.id, notice, now, null);
    return [replyQueue.name];
  }
}
