/**
 * Lease loss: in process with a fake clock (the broker's time jumps past the lease, another
 * consumer leases the task, and the worker's next heartbeat finds its receipt stale); and over
 * the network, when the worker's connection drops and the broker releases its leases.
 */
import { describe, expect, it } from 'vitest';
import { SpoolClient } from '../../core/client/index.js';
import { LeaseLostError, startWorker, type WorkerOptions } from '../../worker/index.js';
import { testEngine } from '../helpers/engine.js';
import { startTestServer } from '../helpers/server.js';
import { startTcpProxy } from '../helpers/tcp-proxy.js';
import { REPLIES, TASKS, aborted, eventually, noMoreReplies, postTask } from './tasks.js';

/** A worker whose `hold` handler waits for its signal; records the signal's reasons and the lost events. */
async function holdingWorker(target: Pick<WorkerOptions, 'url' | 'broker'>, leaseMs: number) {
  const reasons: unknown[] = [];
  const lost: string[] = [];
  const worker = await startWorker({
    ...target,
    queue: TASKS,
    leaseMs,
    handlers: {
      hold: async (_p, ctx) => {
        reasons.push(await aborted(ctx.signal));
        return 'a result nobody should see';
      },
    },
  });
  worker.events.on('lost', (e) => lost.push(e.taskId));
  return { worker, reasons, lost };
}

describe('worker lease loss', () => {
  it('fires the signal with LeaseLostError, discards the outcome and sends nothing', async () => {
    const { engine, clock } = testEngine();
    const client = SpoolClient.embedded(engine);
    await client.createQueue(TASKS);
    await client.createQueue(REPLIES);
    const { worker, reasons, lost } = await holdingWorker({ broker: engine }, 1000);
    try {
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

  it('fires the signal with LeaseLostError as soon as the connection drops, not at the next heartbeat', async () => {
    const { url, engine } = await startTestServer();
    await engine.createQueue(TASKS);
    await engine.createQueue(REPLIES);
    const proxy = await startTcpProxy(url);
    const client = new SpoolClient({ url });
    // The first heartbeat would come after 30 s.
    const { worker, reasons, lost } = await holdingWorker({ url: proxy.url }, 60_000);
    try {
      const id = await postTask(client, 'hold', null, { maxAttempts: 3 });
      await eventually(() => worker.running === 1);
      proxy.cut();
      await eventually(() => lost.length === 1, 5000, 'the lease loss');
      expect(reasons[0]).toBeInstanceOf(LeaseLostError);
      // The broker released it at once: another consumer has it now, with its delivery counted.
      const [again] = await client.receive(TASKS, { max: 1 });
      expect(again).toMatchObject({ correlationId: id, dequeueCount: 2 });
      await client.deleteMessages(TASKS, [again!.receiptHandle]);
    } finally {
      await worker.close();
      await client.close();
      await proxy.close();
    }
  });
});
