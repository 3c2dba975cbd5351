/**
 * Leases: claim ready messages, and the operations that need the current lease (ack, change
 * visibility, release, complete).
 *
 * A lease is current while the row is leased (state 1), carries the receipt's token and has not
 * reached its visible_at. Anything else (expired, re-leased with a new token, deleted) fails with
 * RECEIPT_HANDLE_STALE and changes nothing.
 */
import type { Database, Statement } from 'better-sqlite3';
import { staleReceipt } from '../rules.js';
import type { CancelOutcome, LeasedMessage, NewMessage, Receipt } from '../store.js';
import type { QueueCounts } from './counts.js';
import type { DeadLetters } from './dead-letter.js';
import type { MessageWriter } from './enqueue.js';
import type { QueueDirectory, QueueRow } from './queues.js';
import { CANDIDATE_COLUMNS, deliveryOrder, MESSAGE_COLUMNS, STATE, toLeasedMessage, type DeadLetterCandidate, type MessageTuple } from '../rows.js';
import type { Cancellations } from './cancellations.js';

const CURRENT_LEASE = `id = ? AND queue_id = ? AND state = ${STATE.leased} AND lease_token = ? AND visible_at > ?`;

export class Leases {
  private readonly claimStmt: Statement<[number, number, number, number, number], MessageTuple>;
  private readonly currentStmt: Statement<[number, number, number, number], DeadLetterCandidate>;
  private readonly deleteStmt: Statement<[number, number, number, number]>;
  private readonly keepStmt: Statement<[number, number, number, number, number]>;
  private readonly extendStmt: Statement<[number, number]>;
  private readonly extendWithBodyStmt: Statement<[number, string, number]>;
  private readonly stateStmt: Statement<[number, number], { state: number; visible_at: number }>;
  private readonly releaseStmt: Statement<[number, number, number]>;
  private readonly unclaimStmt: Statement<[number, number, number, number, number]>;

  constructor(
    db: Database,
    private readonly queues: QueueDirectory,
    private readonly writer: MessageWriter,
    private readonly deadLetters: DeadLetters,
    private readonly cancellations: Cancellations,
    private readonly counts: QueueCounts,
  ) {
    this.claimStmt = db.prepare(
      `UPDATE messages SET state = ${STATE.leased}, visible_at = ?, lease_token = ?, dequeue_count = dequeue_count + 1,
         first_dequeue_time = coalesce(first_dequeue_time, ?)
       WHERE id IN (SELECT id FROM messages WHERE queue_id = ? AND state = ${STATE.ready} ORDER BY priority DESC, id LIMIT ?)
       RETURNING ${MESSAGE_COLUMNS}`,
    );
    this.claimStmt.raw(true);
    this.currentStmt = db.prepare(`SELECT ${CANDIDATE_COLUMNS} FROM messages WHERE ${CURRENT_LEASE}`);
    this.deleteStmt = db.prepare(`DELETE FROM messages WHERE ${CURRENT_LEASE}`);
    // With rewind on, a deleted message is kept (state 3) until rewindSeconds have passed.
    this.keepStmt = db.prepare(`UPDATE messages SET state = ${STATE.kept}, deleted_at = ?, lease_token = NULL WHERE ${CURRENT_LEASE}`);
    this.extendStmt = db.prepare('UPDATE messages SET visible_at = ? WHERE id = ?');
    this.extendWithBodyStmt = db.prepare('UPDATE messages SET visible_at = ?, body = ? WHERE id = ?');
    this.stateStmt = db.prepare('SELECT state, visible_at FROM messages WHERE id = ? AND queue_id = ?');
    this.unclaimStmt = db.prepare(
      `UPDATE messages SET state = ${STATE.ready}, visible_at = ?, lease_token = NULL, dequeue_count = dequeue_count - 1,
         first_dequeue_time = CASE WHEN dequeue_count = 1 THEN NULL ELSE first_dequeue_time END
       WHERE ${CURRENT_LEASE} AND cancelled_at IS NULL`,
    );
    this.releaseStmt = db.prepare('UPDATE messages SET state = ?, visible_at = ?, lease_token = NULL WHERE id = ?');
  }

  claim(queueName: string, max: number, leaseUntil: number, leaseToken: number, now: number): LeasedMessage[] {
    const queue = this.queues.get(queueName);
    const rows = this.claimStmt.all(leaseUntil, leaseToken, now, queue.id, max);
    // RETURNING follows no ORDER BY: restore priority, then age.
    rows.sort(deliveryOrder);
    this.counts.move(queue.id, STATE.ready, STATE.leased, rows.length);
    return rows.map(toLeasedMessage);
  }

  /** Deletes each receipt's message if its lease is current; null on success. */
  ack(queueName: string, receipts: Receipt[], now: number): (null | 'RECEIPT_HANDLE_STALE')[] {
    const queue = this.queues.get(queueName);
    return receipts.map((r) => (this.remove(queue, r, now) ? null : 'RECEIPT_HANDLE_STALE'));
  }

  /** Returns the queues that gained ready messages (a dead letter wakes its target and replyTo). */
  changeVisibility(queueName: string, receipt: Receipt, visibleAt: number, release: boolean, now: number, body?: string): string[] {
    const queue = this.queues.get(queueName);
    const message = this.current(queue, receipt, now);
    if (!release) {
      if (body === undefined) this.extendStmt.run(visibleAt, message.id);
      else this.extendWithBodyStmt.run(visibleAt, body, message.id);
      return [];
    }
    if (message.cancelled_at !== null) return this.cancellations.end(message, queue, now);
    const deadLettered = this.deadLetters.receivesUsedUp(queue, message.dequeue_count) ? this.deadLetters.deadLetter(message, queue, 'maxReceiveCount', now) : null;
    if (deadLettered) return deadLettered;
    const state = visibleAt > now ? STATE.delayed : STATE.ready;
    this.releaseStmt.run(state, visibleAt, message.id);
    this.counts.move(queue.id, STATE.leased, state);
    return state === STATE.ready ? [queue.name] : [];
  }

  cancel(queueName: string, msgId: string, now: number): CancelOutcome {
    const queue = this.queues.get(queueName);
    const id = Number(msgId);
    const row = this.stateStmt.get(id, queue.id);
    if (!row || row.state === STATE.kept) return 'gone';
    if (row.state === STATE.leased && row.visible_at > now) {
      this.cancellations.mark(id, now);
      return 'running';
    }
    this.cancellations.remove(queue, id, row.state);
    return 'removed';
  }

  /** Undoes claims whose messages nobody saw: ready again, delivery not counted (a cancelled one ends). */
  unclaim(queueName: string, receipts: Receipt[], now: number): string[] {
    const queue = this.queues.get(queueName);
    const woken = new Set<string>();
    let returned = 0;
    for (const r of receipts) {
      if (this.unclaimStmt.run(now, Number(r.msgId), queue.id, r.leaseToken, now).changes === 1) returned++;
      else this.endIfCancelled(queue, r, now, woken);
    }
    this.counts.move(queue.id, STATE.leased, STATE.ready, returned);
    if (returned > 0) woken.add(queue.name);
    return [...woken];
  }

  complete(queueName: string, receipt: Receipt, reply: { queue: string; message: NewMessage }, now: number): string {
    const queue = this.queues.get(queueName);
    const replyQueue = this.queues.get(reply.queue);
    // The delete is the first write: when it finds no current lease, nothing was written.
    if (!this.remove(queue, receipt, now)) throw staleReceipt();
    return String(this.writer.insertOne(replyQueue.id, reply.message, now, null));
  }

  private remove(queue: QueueRow, r: Receipt, now: number): boolean {
    const id = Number(r.msgId);
    if (queue.attributes.rewindSeconds > 0) {
      if (this.keepStmt.run(now, id, queue.id, r.leaseToken, now).changes === 0) return false;
      this.counts.move(queue.id, STATE.leased, STATE.kept);
    } else {
      if (this.deleteStmt.run(id, queue.id, r.leaseToken, now).changes === 0) return false;
      this.counts.add(queue.id, STATE.leased, -1);
    }
    return true;
  }

  /** A receipt unclaim did not return: if its lease is current, the message was cancelled, and ends. */
  private endIfCancelled(queue: QueueRow, r: Receipt, now: number, woken: Set<string>): void {
    const message = this.currentStmt.get(Number(r.msgId), queue.id, r.leaseToken, now);
    if (message?.cancelled_at == null) return;
    for (const name of this.cancellations.end(message, queue, now)) woken.add(name);
  }

  private current(queue: QueueRow, r: Receipt, now: number): DeadLetterCandidate {
    const row = this.currentStmt.get(Number(r.msgId), queue.id, r.leaseToken, now);
    if (!row) throw staleReceipt();
    return row;
  }
}
