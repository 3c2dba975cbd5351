/**
 * Cancels of leased messages, as in SQLite (sqlite/cancellations.ts): a cancel marks a leased
 * message, and if its holder lets the lease go instead of settling it, the message ends, with a
 * notice to its replyTo queue, rather than becoming ready to run again. Callers hold the message's
 * row lock (FOR UPDATE) inside their transaction.
 */
import { cancelNoticeMessage } from '../rules.js';
import type { DeadLetterCandidate, QueueRow } from '../rows.js';
import type { Client } from './connection.js';
import { insertMessages } from './enqueue.js';
import type { QueueDirectory } from './queues.js';

export class Cancellations {
  constructor(private readonly queues: QueueDirectory) {}

  async mark(c: Client, id: number, now: number): Promise<void> {
    await c.query('UPDATE messages SET cancelled_at = $1 WHERE id = $2', [now, id]);
  }

  /** Deletes a cancelled message: one not leased at once, a leased one when its holder lets it go. */
  async remove(c: Client, id: number): Promise<void> {
    await c.query('DELETE FROM messages WHERE id = $1', [id]);
  }

  /** Ends a cancelled message its holder let go; returns the queues that gained a message (its replyTo). */
  async end(c: Client, message: DeadLetterCandidate, queue: QueueRow, now: number): Promise<string[]> {
    await this.remove(c, message.id);
    const replyQueue = message.reply_to === null ? null : await this.queues.find(c, message.reply_to);
    if (!replyQueue) return [];
    const notice = cancelNoticeMessage({ msgId: String(message.id), queue: queue.name, dequeueCount: message.dequeue_count, correlationId: message.correlation_id }, now);
    await insertMessages(c, replyQueue.id, [notice], now, null);
    return [replyQueue.name];
  }
}
