/**
 * Posting many tasks at once with a master: `master.submitMany`, which sends batches of up to
 * LIMITS.batchMax tasks per frame and commit over the master's WebSocket, with about `inFlight`
 * tasks unanswered at a time. This is Spool's bulk path (BullMQ's addBulk, bee-queue's saveAll).
 */
import { LIMITS } from '../core/limits.js';
import type { Master } from '../master/index.js';

/**
 * Resolves once every payload is posted, with each task's result promise in input order. The
 * result promises are marked handled (a master closed before they settle rejects them); await them
 * to see their outcome.
 */
export async function submitAll<T>(master: Master, name: string, payloads: readonly unknown[], inFlight: number): Promise<Promise<T>[]> {
  const results: Promise<T>[] = new Array(payloads.length);
  let next = 0;
  async function lane(): Promise<void> {
    while (next < payloads.length) {
      const start = next;
      next += LIMITS.batchMax;
      const handles = await master.submitMany<T>(name, payloads.slice(start, next));
      handles.forEach((handle, i) => {
        handle.result.catch(() => {});
        results[start + i] = handle.result;
      });
    }
  }
  const lanes = Math.max(1, Math.ceil(Math.min(inFlight, payloads.length) / LIMITS.batchMax));
  await Promise.all(Array.from({ length: lanes }, lane));
  return results;
}
