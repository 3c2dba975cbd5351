/**
 * Dead letters: move a message to its queue's dead-letter queue in place (same msgId, body,
 * attributes and enqueue time; state ready; sourceQueue recorded), and post a notice to its replyTo
 * queue when it has one, so a waiting producer learns of it. Redrive moves them back with a fresh
 * receive count. Callers hold the message's row lock (FOR UPDATE) inside their transaction.
 */
import { deadLetterNoticeMessage, type DeadLetterReason } from '../rules.js';
import { STATE, type DeadLetterCandidate, type QueueRow } from '../rows.js';
import type { Client } from './connection.js';
import { insertMessages } from './enqueue.js';
import type { QueueDirectory } from './queues.js';

const MOVE = {
  name: 'spool_dead_letter_move',
  text: `UPDATE messages SET queue_id = $1, state = ${STATE.ready}, visible_at = $2, lease_token = NULL, source_queue = $3 WHERE id = $4`,
};

export class DeadLetters {
  constructor(private readonly queues: QueueDirectory) {}

  /**
   * Moves the message to the queue's dead-letter queue; returns the queues that gained ready
   * messages. If the dead-letter queue has gone, the message stays where it is (returns null).
   */
  async deadLetter(c: Client, message: DeadLetterCandidate, queue: QueueRow, reason: DeadLetterReason, now: number): Promise<string[] | null> {
    const policy = queue.attributes.deadLetterPolicy;
    const target = policy && (await this.queues.find(c, policy.deadLetterQueue));
    if (!target) return null;
    await c.query({ ...MOVE, values: [target.id, now, queue.name, message.id] });
    const woken = [target.name];
    const replyQueue = message.reply_to === null ? null : await this.queues.find(c, message.reply_to);
    if (replyQueue) {
      const notice = deadLetterNoticeMessage(
        { msgId: String(message.id), queue: queue.name, deadLetterQueue: target.name, reason, dequeueCount: message.dequeue_count, correlationId: message.correlation_id },
        now,
      );
      await insertMessages(c, replyQueue.id, [notice], now, null);
      woken.push(replyQueue.name);
    }
    return woken;
  }

  /** Moves every waiting dead letter back to its source queue (if that queue still exists). */
  async redrive(c: Client, deadLetterQueue: QueueRow, now: number): Promise<{ moved: number; woken: string[] }> {
    const { rows } = await c.query<{ id: number; source_queue: string }>(
      `SELECT id, source_queue FROM messages WHERE queue_id = $1 AND state IN (${STATE.ready}, ${STATE.delayed}) AND source_queue IS NOT NULL
       FOR UPDATE SKIP LOCKED`,
      [deadLetterQueue.id],
    );
    const bySource = new Map<string, number[]>();
    for (const row of rows) bySource.set(row.source_queue, [...(bySource.get(row.source_queue) ?? []), row.id]);
    const woken: string[] = [];
    let moved = 0;
    for (const [name, ids] of bySource) {
      const source = await this.queues.find(c, name);
      if (!source) continue;
      await c.query(
        `UPDATE messages SET queue_id = $1, state = ${STATE.ready}, visible_at = $2, lease_token = NULL, dequeue_count = 0, source_queue = NULL WHERE id = ANY($3)`,
        [source.id, now, ids],
      );
      woken.push(source.name);
      moved += ids.length;
    }
    return { moved, woken };
  }
}
