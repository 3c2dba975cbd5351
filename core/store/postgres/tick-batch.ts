/**
 * Group commit for PostgreSQL: calls of one operation made in the same turn of the event loop, for
 * the same key (a queue), run as one batch: one statement and one commit for all of them instead of
 * one each. With synchronous_commit on, every commit waits for a WAL flush, and a broker under load
 * makes thousands of acks, completes and sends a second; one transaction per call made the flushes
 * (and the pool of connections waiting on them) the limit. Measured in docs/performance.md.
 *
 * `run` gets the batch's items in call order and returns one outcome per item: a value, or an Error
 * that only that call rejects with. A throw rejects every call of the batch (the batch committed
 * nothing), except one PostgreSQL blames on the data: then each call runs again alone, so that
 * one caller's bad value fails that call only, not every call it was batched with.
 */
import { isDataError } from './connection.js';

export type Outcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

interface Pending<I, O> {
  items: I[];
  waiters: { resolve(value: O): void; reject(err: unknown): void }[];
}

export class TickBatch<I, O> {
  private pending = new Map<string, Pending<I, O>>();
  private scheduled = false;

  constructor(private readonly run: (key: string, items: I[]) => Promise<Outcome<O>[]>) {}

  add(key: string, item: I): Promise<O> {
    let batch = this.pending.get(key);
    if (!batch) this.pending.set(key, (batch = { items: [], waiters: [] }));
    batch.items.push(item);
    const done = new Promise<O>((resolve, reject) => batch.waiters.push({ resolve, reject }));
    if (!this.scheduled) {
      this.scheduled = true;
      // After pending I/O: the calls that frames read in this turn make all join the batch.
      setImmediate(() => this.flush());
    }
    return done;
  }

  private flush(): void {
    this.scheduled = false;
    const batches = this.pending;
    this.pending = new Map();
    for (const [key, { items, waiters }] of batches) {
      this.run(key, items).then(
        (outcomes) =>
          outcomes.forEach((outcome, i) => {
            if (outcome.ok) waiters[i]!.resolve(outcome.value);
            else waiters[i]!.reject(outcome.error);
          }),
        (err: unknown) => {
          if (items.length > 1 && isDataError((err as { cause?: unknown }).cause ?? err)) this.runAlone(key, items, waiters);
          else for (const waiter of waiters) waiter.reject(err);
        },
      );
    }
  }

  private runAlone(key: string, items: I[], waiters: Pending<I, O>['waiters']): void {
    items.forEach((item, i) => {
      const waiter = waiters[i]!;
      this.run(key, [item]).then(([outcome]) => (outcome!.ok ? waiter.resolve(outcome!.value) : waiter.reject(outcome!.error)), waiter.reject);
    });
  }
}
