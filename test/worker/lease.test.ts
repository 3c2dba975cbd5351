/**
 * Lease loss, in process with a fake clock: the broker's time jumps past the lease, another
 * consumer leases the task, and the worker's next heartbeat finds its receipt stale.
 */
import { describe, expect, it } from 'vitest';
import { SpoolClient } from '../../core/client/index.js';
import { LeaseLostError, startWorker } from '../../worker/index.js';
import { testEngine } from '../helpers/engine.js';
import { REPLIES, TASKS, aborted, eventually, noMoreReplies, postTask } from './tasks.js';

describe('worker lease loss', () => {
  it('fires the signal with LeaseLostError, discards the outcome and sends nothing', async () => {
    const { engine, clock } = testEngine();
    const client = SpoolClient.embedded(engine);
    await client.createQueue(TASKS);
    await client.createQueue(REPLIES);
    const reasons: unknown[] = [];
    const worker = await startWorker({
      broker: engine,
      queue: TASKS,
      leaseMs: 1000,
      handlers: {
        hold: async (_p, ctx) => {
          reasons.push(await aborted(ctx.signal));
          return 'a result nobody should see';
        },
      },
    });
    try {
      const lost: string[] = [];
      worker.events.on('lost', (e) => lost.push(e.taskId));
      const id = await postTask(client, 'hold', null, { maxAttempts: 3 });
      await eventually(() => worker.running === 1);
      await clock.advance(60_000);
      const [stolen] = await client.receive(TASKS, { max: 1 });
      expect(stolen).toMatchObject({ correlationId: id, dequeueCount: 2 });
      await eventually(() => lost.length === 1, 3000, 'the lease loss');
      expect(reasons[0]).toBeInstanceOf(LeaseLostError);
      expect(await noMoreReplies(client, 200)).toEqual([]);
      await client.deleteMessages(TASKS, [stolen!.receiptHandle]);
    } finally {
      await worker.close();
      await client.close();
    }
  });
});
