/**
 * Per-queue views and resets: stats (CMQ's counts, summed from the counter slots the triggers keep,
 * so every broker sees the same numbers) and rewind (deleted messages enqueued since a time become
 * ready again).
 */
import type { QueueStats } from '../store.js';
import { checkRewind } from '../rules.js';
import { STATE } from '../rows.js';
import type { Client } from './connection.js';
import type { QueueRow } from '../rows.js';

const STATS = {
  name: 'spool_stats',
  text: `SELECT coalesce(sum(ready), 0)::bigint AS ready, coalesce(sum(leased), 0)::bigint AS leased,
           coalesce(sum(delayed), 0)::bigint AS delayed, coalesce(sum(kept), 0)::bigint AS kept,
           (SELECT min(enqueue_time) FROM messages WHERE queue_id = $1 AND state <> ${STATE.kept}) AS oldest
         FROM queue_counts WHERE queue_id = $1`,
};

export async function stats(c: Client, queue: QueueRow): Promise<QueueStats> {
  const { rows } = await c.query<{ ready: number; leased: number; delayed: number; kept: number; oldest: number | null }>({ ...STATS, values: [queue.id] });
  const row = rows[0]!;
  return { activeMsgNum: row.ready, inactiveMsgNum: row.leased, delayMsgNum: row.delayed, rewindMsgNum: row.kept, minMsgTime: row.oldest };
}

export async function rewind(c: Client, queue: QueueRow, since: number, now: number): Promise<number> {
  checkRewind(queue.name, queue.attributes, since, now);
  const { rowCount } = await c.query(
    `UPDATE messages SET state = ${STATE.ready}, visible_at = $1, deleted_at = NULL WHERE queue_id = $2 AND state = ${STATE.kept} AND enqueue_time >= $3`,
    [now, queue.id, since],
  );
  return rowCount ?? 0;
}
