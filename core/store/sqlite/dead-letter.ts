/**
 * Dead letters: move a message to its queue's dead-letter queue in place (same msgId, body,
 * attributes and enqueue time; state ready; sourceQueue recorded), and post a notice to its replyTo
 * queue when it has one, so a waiting producer learns of it. Redrive moves them back with a fresh
 * receive count.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { QueueCounts } from './counts.js';
import type { MessageWriter } from './enqueue.js';
import type { QueueDirectory } from './queues.js';
import { STATE, type DeadLetterCandidate, type QueueRow } from '../rows.js';
import { deadLetterNoticeMessage, receivesUsedUp, type DeadLetterReason } from '../rules.js';

export class DeadLetters {
  private readonly move: Statement<[number, number, string, number]>;
  private readonly movable: Statement<[number], { id: number; state: number; source_queue: string }>;
  private readonly moveBack: Statement<[number, number, number]>;

  constructor(db: Database, private readonly queues: QueueDirectory, private readonly writer: MessageWriter, private readonly counts: QueueCounts) {
    this.move = db.prepare(`UPDATE messages SET queue_id = ?, state = ${STATE.ready}, visible_at = ?, lease_token = NULL, source_queue = ? WHERE id = ?`);
    this.movable = db.prepare(`SELECT id, state, source_queue FROM messages WHERE queue_id = ? AND state IN (${STATE.ready}, ${STATE.delayed}) AND source_queue IS NOT NULL`);
    this.moveBack = db.prepare(
      `UPDATE messages SET queue_id = ?, state = ${STATE.ready}, visible_at = ?, lease_token = NULL, dequeue_count = 0, source_queue = NULL WHERE id = ?`,
    );
  }

  /** True when the queue's receive-count policy says this delivery count is used up. */
  receivesUsedUp(queue: QueueRow, dequeueCount: number): boolean {
    return receivesUsedUp(queue.attributes, dequeueCount);
  }

  /**
   * Moves the message to the queue's dead-letter queue; returns the queues that gained ready
   * messages. If the dead-letter queue has gone, the message stays where it is (returns null).
   */
  deadLetter(message: DeadLetterCandidate, queue: QueueRow, reason: DeadLetterReason, now: number): string[] | null {
    const target = queue.attributes.deadLetterPolicy && this.queues.find(queue.attributes.deadLetterPolicy.deadLetterQueue);
    if (!target) return null;
    this.move.run(target.id, now, queue.name, message.id);
    this.counts.add(queue.id, message.state, -1);
    this.counts.add(target.id, STATE.ready);
    const woken = [target.name];
    const replyQueue = message.reply_to === null ? null : this.queues.find(message.reply_to);
    if (replyQueue) {
      const notice = deadLetterNoticeMessage(
        { msgId: String(message.id), queue: queue.name, deadLetterQueue: target.name, reason, dequeueCount: message.dequeue_count, correlationId: message.correlation_id },
        now,
      );
      this.writer.insertOne(replyQueue.id, notice, now, null);
      woken.push(replyQueue.name);
    }
    return woken;
  }

  /** Moves every waiting dead letter back to its source queue (if that queue still exists). */
  redrive(deadLetterQueue: QueueRow, now: number): { moved: number; woken: string[] } {
    const woken = new Set<string>();
    let moved = 0;
    for (const row of this.movable.all(deadLetterQueue.id)) {
      const source = this.queues.find(row.source_queue);
      if (!source) continue;
      this.moveBack.run(source.id, now, row.id);
      this.counts.add(deadLetterQueue.id, row.state, -1);
      this.counts.add(source.id, STATE.ready);
      woken.add(source.name);
      moved++;
    }
    return { moved, woken: [...woken] };
  }
}
