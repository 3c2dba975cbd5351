/**
 * Per-queue views and resets: stats (CMQ's counts, from the trigger-maintained columns) and rewind
 * (deleted messages enqueued since a time become ready again, in production order).
 */
import type { Database, Statement } from 'better-sqlite3';
import { checkRewind } from '../rules.js';
import type { QueueStats } from '../store.js';
import type { QueueCounts } from './counts.js';
import type { QueueDirectory } from './queues.js';
import { STATE } from '../rows.js';

export class QueueState {
  private readonly oldest: Statement<[number], { t: number | null }>;
  private readonly rewindStmt: Statement<[number, number, number]>;

  constructor(db: Database, private readonly queues: QueueDirectory, private readonly counts: QueueCounts) {
    this.oldest = db.prepare(`SELECT enqueue_time AS t FROM messages WHERE queue_id = ? AND state <> ${STATE.kept} ORDER BY enqueue_time LIMIT 1`);
    this.rewindStmt = db.prepare(
      `UPDATE messages SET state = ${STATE.ready}, visible_at = ?, deleted_at = NULL WHERE queue_id = ? AND state = ${STATE.kept} AND enqueue_time >= ?`,
    );
  }

  stats(name: string): QueueStats {
    const queue = this.queues.get(name);
    const [ready, leased, delayed, kept] = this.counts.of(queue.id);
    return {
      activeMsgNum: ready,
      inactiveMsgNum: leased,
      delayMsgNum: delayed,
      rewindMsgNum: kept,
      minMsgTime: this.oldest.get(queue.id)?.t ?? null,
    };
  }

  rewind(name: string, since: number, now: number): number {
    const queue = this.queues.get(name);
    checkRewind(name, queue.attributes, since, now);
    const count = this.rewindStmt.run(now, queue.id, since).changes;
    this.counts.move(queue.id, STATE.kept, STATE.ready, count);
    return count;
  }
}
