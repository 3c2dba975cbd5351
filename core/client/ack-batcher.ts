/**
 * Acks issued in the same tick for one queue go in one `ack` request (up to 16 handles, the batch
 * limit): a consumer acking a pushed batch costs one frame and one commit, not one per message.
 */
import { LIMITS } from '../limits.js';
import { SpoolClientError } from './errors.js';
import type { DeleteBatchResult } from './types.js';

interface Waiter {
  handle: string;
  resolve(): void;
  reject(err: Error): void;
}

export class AckBatcher {
  private readonly queued = new Map<string, Waiter[]>();
  private scheduled = false;

  constructor(private readonly deleteBatch: (queue: string, handles: string[]) => Promise<DeleteBatchResult>) {}

  ack(queue: string, handle: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let list = this.queued.get(queue);
      if (!list) this.queued.set(queue, (list = []));
      list.push({ handle, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    for (const [queue, waiters] of this.queued) {
      for (let i = 0; i < waiters.length; i += LIMITS.batchMax) void this.send(queue, waiters.slice(i, i + LIMITS.batchMax));
    }
    this.queued.clear();
  }

  private async send(queue: string, waiters: Waiter[]): Promise<void> {
    try {
      const result = await this.deleteBatch(queue, waiters.map((w) => w.handle));
      const failed = new Map(result.failed.map((f) => [f.receiptHandle, f]));
      for (const waiter of waiters) {
        const failure = failed.get(waiter.handle);
        if (failure) waiter.reject(new SpoolClientError(failure.code, failure.message));
        else waiter.resolve();
      }
    } catch (err) {
      for (const waiter of waiters) waiter.reject(err as Error);
    }
  }
}
