/**
 * The leases a socket holds (pushed to it and not yet finished), by receipt handle, so that an ack,
 * release, complete or stale extend on the socket gives the right subscription its credit back.
 */
import type { Lease } from './subscription.js';

/** Codes after which a lease is over for good, so its credit comes back. */
const LEASE_OVER = new Set(['RECEIPT_HANDLE_STALE', 'QUEUE_NOT_FOUND']);

export class LeaseTable {
  private readonly byHandle = new Map<string, Lease>();

  get size(): number {
    return this.byHandle.size;
  }

  add(lease: Lease): void {
    this.byHandle.set(lease.message.receiptHandle, lease);
  }

  /** Whether a lease on this message (by msgId) is held here. */
  holds(queue: string, msgId: string): boolean {
    for (const lease of this.byHandle.values()) if (lease.queue === queue && lease.message.msgId === msgId) return true;
    return false;
  }

  remove(lease: Lease): void {
    if (this.byHandle.get(lease.message.receiptHandle) === lease) this.byHandle.delete(lease.message.receiptHandle);
  }

  /**
   * Runs a request on some receipt handles. While it runs, the leases are busy (a closing socket
   * leaves them to it); a request that `ends` them (ack, complete, release) gives their prefetch
   * credit back at once (Subscription.settling). `outcome` tells, per handle, whether the lease is
   * over: null for success, or an error code.
   */
  async around<T>(queue: string, handles: readonly unknown[], ends: boolean, run: () => Promise<T>, outcome: (result: T) => Map<string, string | null>): Promise<T> {
    const leases = this.lookup(queue, handles);
    for (const lease of leases) {
      lease.busy++;
      if (ends) lease.subscription.settling(lease);
    }
    try {
      const result = await run();
      const outcomes = outcome(result);
      for (const lease of leases) {
        const code = outcomes.get(lease.message.receiptHandle);
        if (code === null || (code !== undefined && LEASE_OVER.has(code))) lease.subscription.finish(lease);
      }
      return result;
    } catch (err) {
      const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : '';
      if (LEASE_OVER.has(code)) for (const lease of leases) lease.subscription.finish(lease);
      throw err;
    } finally {
      for (const lease of leases) lease.busy--;
    }
  }

  private lookup(queue: string, handles: readonly unknown[]): Lease[] {
    const leases: Lease[] = [];
    for (const handle of handles) {
      if (typeof handle !== 'string') continue;
      const lease = this.byHandle.get(handle);
      if (lease && lease.queue === queue) leases.push(lease);
    }
    return leases;
  }
}
