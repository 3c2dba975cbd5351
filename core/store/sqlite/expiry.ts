/**
 * Time-driven changes.
 * - expire: leases and delays that have ended make their messages ready again; a lease that ends
 *   with the receive count used up dead-letters the message instead, and one cancelled while
 *   leased ends it (cancellations.ts).
 * - sweep: retention (every message older than msgRetentionSeconds goes, consumed or not), the
 *   rewind window (deleted messages are forgotten once enqueued more than rewindSeconds ago: no
 *   rewind can reach them), time-to-live dead letters,
 *   and the dedup window.
 * Each call does a bounded amount of work so a commit stays short; the caller runs it again soon
 * when `nextDueAt` says more is due.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { ExpireResult, WakeResult } from '../store.js';
import type { QueueCounts } from './counts.js';
import type { DeadLetters } from './dead-letter.js';
import type { QueueDirectory } from './queues.js';
import { CANDIDATE_COLUMNS, STATE, type DeadLetterCandidate } from '../rows.js';
import type { Cancellations } from './cancellations.js';

const EXPIRE_BATCH = 2000;
const SWEEP_BATCH = 5000;

interface DueRow extends DeadLetterCandidate {
  queue_id: number;
}

export class Expiry {
  private readonly due: Statement<[number, number], DueRow>;
  private readonly promote: Statement<[number]>;
  private readonly nextDue: Statement<[], { t: number | null }>;
  private readonly retire: Statement<[number, number, number], { state: number }>;
  private readonly forget: Statement<[number, number, number]>;
  private readonly overdue: Statement<[number, number, number], DeadLetterCandidate>;
  private readonly dedupExpired: Statement<[number]>;

  constructor(
    db: Database,
    private readonly queues: QueueDirectory,
    private readonly deadLetters: DeadLetters,
    private readonly cancellations: Cancellations,
    private readonly counts: QueueCounts,
  ) {
    this.due = db.prepare(
      `SELECT ${CANDIDATE_COLUMNS}, queue_id FROM messages
       WHERE state IN (${STATE.leased}, ${STATE.delayed}) AND visible_at <= ? ORDER BY visible_at LIMIT ?`,
    );
    this.promote = db.prepare(`UPDATE messages SET state = ${STATE.ready}, lease_token = NULL WHERE id = ?`);
    this.nextDue = db.prepare(`SELECT min(visible_at) AS t FROM messages WHERE state IN (${STATE.leased}, ${STATE.delayed})`);
    this.retire = db.prepare('DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE queue_id = ? AND enqueue_time <= ? LIMIT ?) RETURNING state');
    this.forget = db.prepare(
      `DELETE FROM messages WHERE id IN (SELECT id FROM messages INDEXED BY messages_replayable WHERE queue_id = ? AND state = ${STATE.kept} AND enqueue_time <= ? LIMIT ?)`,
    );
    this.overdue = db.prepare(
      `SELECT ${CANDIDATE_COLUMNS} FROM messages
       WHERE queue_id = ? AND enqueue_time <= ? AND state IN (${STATE.ready}, ${STATE.delayed}) LIMIT ?`,
    );
    this.dedupExpired = db.prepare('DELETE FROM dedup WHERE expires_at <= ?');
  }

  expire(now: number): ExpireResult {
    const woken = new Set<string>();
    const rows = this.due.all(now, EXPIRE_BATCH);
    for (const row of rows) {
      const queue = this.queues.findById(row.queue_id);
      if (!queue) continue;
      if (row.state === STATE.leased && row.cancelled_at !== null) {
        for (const name of this.cancellations.end(row, queue, now)) woken.add(name);
        continue;
      }
      const deadLettered =
        row.state === STATE.leased && this.deadLetters.receivesUsedUp(queue, row.dequeue_count) ? this.deadLetters.deadLetter(row, queue, 'maxReceiveCount', now) : null;
      if (deadLettered) {
        for (const name of deadLettered) woken.add(name);
      } else {
        this.promote.run(row.id);
        this.counts.move(queue.id, row.state, STATE.ready);
        woken.add(queue.name);
      }
    }
    const nextDueAt = rows.length === EXPIRE_BATCH ? now : this.nextDue.get()!.t;
    return { woken: [...woken], nextDueAt };
  }

  sweep(now: number): WakeResult {
    const woken = new Set<string>();
    for (const queue of this.queues.every()) {
      const { msgRetentionSeconds, rewindSeconds, deadLetterPolicy } = queue.attributes;
      for (const { state } of this.retire.all(queue.id, now - msgRetentionSeconds * 1000, SWEEP_BATCH)) this.counts.add(queue.id, state, -1);
      const rewindCutoff = now - rewindSeconds * 1000;
      this.counts.add(queue.id, STATE.kept, -this.forget.run(queue.id, rewindCutoff, SWEEP_BATCH).changes);
      if (deadLetterPolicy?.policy === 1 && deadLetterPolicy.maxTimeToLive !== undefined) {
        for (const row of this.overdue.all(queue.id, now - deadLetterPolicy.maxTimeToLive * 1000, SWEEP_BATCH)) {
          for (const name of this.deadLetters.deadLetter(row, queue, 'maxTimeToLive', now) ?? []) woken.add(name);
        }
      }
    }
    this.dedupExpired.run(now);
    return { woken: [...woken] };
  }
}
