/**
 * Per-queue message counts by state, kept in memory. This process owns the database file
 * exclusively, so counting each state change as it is written keeps them exact without a count
 * query on every send (the backlog cap) or stats call. (Triggers did the same in SQL, at several
 * times the cost of the insert itself.)
 *
 * Changes are applied as statements run, inside the batch's transaction. If a batch or an operation
 * fails in an unexpected way, `invalidate()` marks the counts unknown and the next read recounts
 * them from the table, which then reflects exactly what the transaction holds.
 */
import type { Database, Statement } from 'better-sqlite3';
import { STATE } from '../rows.js';

export type MessageState = (typeof STATE)[keyof typeof STATE];

/** [ready, leased, delayed, kept] */
type Tally = [number, number, number, number];

export class QueueCounts {
  private tallies = new Map<number, Tally>();
  private valid = false;
  private readonly recount: Statement<[], { queue_id: number; state: number; n: number }>;

  constructor(db: Database) {
    this.recount = db.prepare('SELECT queue_id, state, count(*) AS n FROM messages GROUP BY queue_id, state');
  }

  /** Counts of one queue: ready, leased, delayed, kept (deleted, held for rewind). */
  of(queueId: number): Readonly<Tally> {
    this.load();
    return this.tallies.get(queueId) ?? [0, 0, 0, 0];
  }

  /** Messages not yet deleted: what maxMsgHeapNum caps. */
  backlog(queueId: number): number {
    const [ready, leased, delayed] = this.of(queueId);
    return ready + leased + delayed;
  }

  add(queueId: number, state: number, n = 1): void {
    if (!this.valid || n === 0) return;
    let tally = this.tallies.get(queueId);
    if (!tally) {
      tally = [0, 0, 0, 0];
      this.tallies.set(queueId, tally);
    }
    tally[state as MessageState] += n;
  }

  move(queueId: number, from: number, to: number, n = 1): void {
    this.add(queueId, from, -n);
    this.add(queueId, to, n);
  }

  drop(queueId: number): void {
    this.tallies.delete(queueId);
  }

  invalidate(): void {
    this.valid = false;
  }

  private load(): void {
    if (this.valid) return;
    const tallies = new Map<number, Tally>();
    for (const row of this.recount.all()) {
      let tally = tallies.get(row.queue_id);
      if (!tally) {
        tally = [0, 0, 0, 0];
        tallies.set(row.queue_id, tally);
      }
      tally[row.state as MessageState] = row.n;
    }
    this.tallies = tallies;
    this.valid = true;
  }
}
