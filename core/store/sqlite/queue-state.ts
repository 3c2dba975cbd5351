/**
 * Per-queue views and resets: stats (CMQ's counts, from the trigger-maintained columns) and rewind
 * (deleted messages enqueued since a time become ready again, in production order).
 */
import type { Database, Statement } from 'better-sqlite3';
import { SpoolError } from '../../errors.js';
import type { QueueStats } from '../store.js';
import type { QueueDirectory } from './queues.js';
import { STATE } from './rows.js';

export class QueueState {
  private readonly counts: Statement<[number], { ready: number; leased: number; delayed: number; kept: number }>;
  private readonly oldest: Statement<[number], { t: number | null }>;
  private readonly rewindStmt: Statement<[number, number, number]>;

  constructor(db: Database, private readonly queues: QueueDirectory) {
    this.counts = db.prepare('SELECT ready, leased, delayed, kept FROM queues WHERE id = ?');
    this.oldest = db.prepare(`SELECT enqueue_time AS t FROM messages WHERE queue_id = ? AND state <> ${STATE.kept} ORDER BY enqueue_time LIMIT 1`);
    this.rewindStmt = db.prepare(
      `UPDATE messages SET state = ${STATE.ready}, visible_at = ?, deleted_at = NULL WHERE queue_id = ? AND state = ${STATE.kept} AND enqueue_time >= ?`,
    );
  }

  stats(name: string): QueueStats {
    const queue = this.queues.get(name);
    const c = this.counts.get(queue.id)!;
    return {
      activeMsgNum: c.ready,
      inactiveMsgNum: c.leased,
      delayMsgNum: c.delayed,
      rewindMsgNum: c.kept,
      minMsgTime: this.oldest.get(queue.id)?.t ?? null,
    };
  }

  rewind(name: string, since: number, now: number): number {
    const queue = this.queues.get(name);
    const windowMs = queue.attributes.rewindSeconds * 1000;
    if (windowMs === 0) throw new SpoolError('REWIND_NOT_ENABLED', `queue ${JSON.stringify(name)} has rewindSeconds 0; set it to keep deleted messages for rewind`);
    if (since < now - windowMs || since > now) {
      throw new SpoolError('REWIND_TIME_INVALID', `rewind time must lie within the last ${queue.attributes.rewindSeconds} seconds`);
    }
    return this.rewindStmt.run(now, queue.id, since).changes;
  }
}
