/**
 * Time-driven changes, safe to run on every broker at once (no leader): each takes its rows with
 * FOR UPDATE SKIP LOCKED, so two brokers never act on one row, and a row another broker changed
 * first no longer matches.
 * - expire: leases and delays that have ended make their messages ready again; a lease that ends
 *   with the receive count used up dead-letters the message instead, and one cancelled while
 *   leased ends it (cancellations.ts).
 * - sweep: retention, the rewind window, time-to-live dead letters and the dedup window; and an
 *   expire pass, so that leases taken through another broker (which this one never timed) come back
 *   within a sweep interval even when that broker is gone.
 * Each call does a bounded amount of work so a transaction stays short.
 */
import type { ExpireResult, WakeResult } from '../store.js';
import { receivesUsedUp } from '../rules.js';
import { CANDIDATE_COLUMNS, STATE, type DeadLetterCandidate } from '../rows.js';
import type { Client } from './connection.js';
import type { Cancellations } from './cancellations.js';
import type { DeadLetters } from './dead-letter.js';
import type { QueueDirectory } from './queues.js';

const EXPIRE_BATCH = 2000;
const SWEEP_BATCH = 5000;

const DUE = {
  name: 'spool_due',
  text: `SELECT ${CANDIDATE_COLUMNS}, queue_id FROM messages WHERE state IN (${STATE.leased}, ${STATE.delayed}) AND visible_at <= $1
         ORDER BY visible_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
};

export class Expiry {
  constructor(
    private readonly queues: QueueDirectory,
    private readonly deadLetters: DeadLetters,
    private readonly cancellations: Cancellations,
  ) {}

  /** In a transaction. */
  async expire(c: Client, now: number): Promise<ExpireResult> {
    const woken = new Set<string>();
    const { rows } = await c.query<DeadLetterCandidate & { queue_id: number }>({ ...DUE, values: [now, EXPIRE_BATCH] });
    const promote: number[] = [];
    for (const row of rows) {
      const queue = await this.queues.findById(c, row.queue_id);
      if (!queue) continue;
      if (row.state === STATE.leased && row.cancelled_at !== null) {
        for (const name of await this.cancellations.end(c, row, queue, now)) woken.add(name);
        continue;
      }
      const deadLettered = row.state === STATE.leased && receivesUsedUp(queue.attributes, row.dequeue_count) ? await this.deadLetters.deadLetter(c, row, queue, 'maxReceiveCount', now) : null;
      if (deadLettered) {
        for (const name of deadLettered) woken.add(name);
      } else {
        promote.push(row.id);
        woken.add(queue.name);
      }
    }
    if (promote.length > 0) await c.query(`UPDATE messages SET state = ${STATE.ready}, lease_token = NULL WHERE id = ANY($1)`, [promote]);
    let nextDueAt: number | null = now;
    if (rows.length < EXPIRE_BATCH) {
      const next = await c.query<{ t: number | null }>(`SELECT min(visible_at) AS t FROM messages WHERE state IN (${STATE.leased}, ${STATE.delayed}) AND visible_at > $1`, [now]);
      nextDueAt = next.rows[0]!.t;
    }
    return { woken: [...woken], nextDueAt };
  }

  /** In a transaction. */
  async sweep(c: Client, now: number): Promise<WakeResult> {
    const woken = new Set<string>();
    for (const queue of await this.queues.every(c)) {
      const { msgRetentionSeconds, rewindSeconds, deadLetterPolicy } = queue.attributes;
      await c.query('DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE queue_id = $1 AND enqueue_time <= $2 LIMIT $3 FOR UPDATE SKIP LOCKED)', [
        queue.id,
        now - msgRetentionSeconds * 1000,
        SWEEP_BATCH,
      ]);
      const rewindCutoff = now - rewindSeconds * 1000;
      await c.query(
        `DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE queue_id = $1 AND state = ${STATE.kept} AND enqueue_time <= $2 LIMIT $3 FOR UPDATE SKIP LOCKED)`,
        [queue.id, rewindCutoff, SWEEP_BATCH],
      );
      if (deadLetterPolicy?.policy === 1 && deadLetterPolicy.maxTimeToLive !== undefined) {
        const { rows } = await c.query<DeadLetterCandidate>(
          `SELECT ${CANDIDATE_COLUMNS} FROM messages WHERE queue_id = $1 AND enqueue_time <= $2 AND state IN (${STATE.ready}, ${STATE.delayed}) LIMIT $3 FOR UPDATE SKIP LOCKED`,
          [queue.id, now - deadLetterPolicy.maxTimeToLive * 1000, SWEEP_BATCH],
        );
        for (const row of rows) {
          for (const name of (await this.deadLetters.deadLetter(c, row, queue, 'maxTimeToLive', now)) ?? []) woken.add(name);
        }
      }
    }
    await c.query('DELETE FROM dedup WHERE expires_at <= $1', [now]);
    return { woken: [...woken] };
  }
}
