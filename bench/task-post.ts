/**
 * Posting many tasks at once with a master, the way a user without a bulk call would: submits
 * over the master's WebSocket with up to `inFlight` unanswered, each resolving once its post is
 * durable. The client coalesces each tick's frames into one write and the broker commits each
 * tick's posts in one transaction (group commit), so this is Spool's bulk path. (The master has no
 * addBulk-style call; the client's sendBatch takes at most LIMITS.batchMax messages.)
 */
import type { Master, TaskHandle } from '../master/index.js';

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
      const i = next++;
      const handle: TaskHandle<T> = await master.submit<T>(name, payloads[i]);
      handle.result.catch(() => {});
      results[i] = handle.result;
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, payloads.length) }, lane));
  return results;
}
