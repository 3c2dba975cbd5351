/**
 * The master with the real worker runtime (worker/), both in process and over a real broker:
 * retries then a final failure with the handler's stack, progress from ctx.progress, cancellation
 * of a running handler through its signal, a map through several workers, and tasks posted with
 * enqueue(), whose results nobody awaits.
 */
import { describe, expect, it, afterEach } from 'vitest';
import { MasterClosedError, startMaster, TaskCancelledError, TaskFailedError, type Master, type MasterOptions } from '../../master/index.js';
import { startWorker, UnrecoverableError, type Worker, type WorkerOptions } from '../../worker/index.js';
import { join } from 'node:path';
import { openEngine } from '../../core/index.js';
import { tempDir } from '../helpers/engine.js';
import { startTestServer } from '../helpers/server.js';
import { eventually, sleep } from './test-worker.js';

const open: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

const targets: [string, () => Promise<Pick<MasterOptions & WorkerOptions, 'url' | 'broker'>>][] = [
  ['remote', async () => ({ url: (await startTestServer()).url })],
  [
    'embedded',
    async () => {
      // The system clock: retries wait out real backoff delays (testEngine's clock is a fake one).
      const engine = openEngine({ path: join(tempDir(), 'spool.db'), durability: 'process' });
      open.push(engine);
      return { broker: engine };
    },
  ],
];

describe.each(targets)('master with worker/ (%s)', (_kind, target) => {
  async function both(handlers: WorkerOptions['handlers'], concurrency = 4): Promise<{ master: Master; worker: Worker; t: Awaited<ReturnType<typeof target>> }> {
    const t = await target();
    const master = await startMaster({ ...t, queue: 'work', name: 'itest' });
    open.push(master);
    const worker = await startWorker({ ...t, queue: 'work', handlers, concurrency, leaseMs: 1000, shutdownTimeoutMs: 1000 });
    open.push(worker);
    return { master, worker, t };
  }

  it('runs, retries with backoff, and reports the final failure with the handler stack', async () => {
    const attempts: number[] = [];
    const { master } = await both({
      add: (p: { a: number; b: number }) => p.a + p.b,
      flaky: (_p, ctx) => {
        attempts.push(ctx.attempt);
        throw new Error(`flaky attempt ${ctx.attempt}`);
      },
      fatal: () => {
        throw new UnrecoverableError('no way');
      },
    });
    await expect(master.run('add', { a: 2, b: 3 })).resolves.toBe(5);
    const err = await master.run('flaky', null, { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 50 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).message).toBe('flaky attempt 3');
    expect((err as TaskFailedError).attempt).toBe(3);
    expect((err as TaskFailedError).remoteStack).toContain('with-worker.test.ts');
    expect(attempts).toEqual([1, 2, 3]);
    const fatal = await master.run('fatal', null).catch((e: unknown) => e);
    expect(fatal).toMatchObject({ code: 'TASK_FAILED', remoteName: 'UnrecoverableError', message: 'no way', attempt: 1 });
    const unknown = await master.run('nope', null).catch((e: unknown) => e);
    expect((unknown as TaskFailedError).message).toMatch(/no handler for task "nope"/);
  });

  it('progress from ctx.progress reaches the handle', async () => {
    const { master } = await both({
      slow: async (_p, ctx) => {
        for (let i = 1; i <= 3; i++) {
          ctx.progress(i);
          await sleep(600);
        }
        return 'ok';
      },
    });
    const handle = await master.submit('slow', null);
    const seen: unknown[] = [];
    handle.on('progress', (p) => seen.push(p.value));
    await expect(handle.result).resolves.toBe('ok');
    expect(seen.length).toBeGreaterThanOrEqual(1);
    expect(seen).toEqual([...seen].sort());
  });

  it('cancel() fires a running handler signal; the result rejects with TaskCancelledError, the class the handler saw', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    let reason: unknown;
    const { master } = await both({
      forever: (_p, ctx) =>
        new Promise((_resolve, reject) => {
          started();
          ctx.signal.addEventListener('abort', () => reject((reason = ctx.signal.reason) as Error), { once: true });
        }),
    });
    const handle = await master.submit('forever', null);
    await running;
    await expect(master.cancel(handle.taskId)).resolves.toBe('running');
    const err = await handle.result.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskCancelledError);
    expect((err as TaskCancelledError).when).toBe('running');
    // One class for both ends: the worker's signal reason is the master's TaskCancelledError too.
    expect(reason).toBeInstanceOf(TaskCancelledError);
    expect(reason).toMatchObject({ code: 'TASK_CANCELLED', taskId: handle.taskId, when: 'running' });
  });

  it('enqueue: the tasks run under their attempt policy, and no reply is written', async () => {
    const ran: number[] = [];
    const attempts: number[] = [];
    const { master, worker } = await both({
      record: (n: number) => void ran.push(n),
      flaky: (_p, ctx) => {
        attempts.push(ctx.attempt);
        throw new Error(`flaky attempt ${ctx.attempt}`);
      },
    });
    const completed = new Set<string>();
    worker.events.on('completed', ({ taskId }) => completed.add(taskId));
    const failed: { taskId: string; reason: string }[] = [];
    worker.events.on('failed', ({ taskId, reason }) => failed.push({ taskId, reason }));

    const tasks = await master.enqueueMany('record', Array.from({ length: 40 }, (_, i) => i));
    expect(new Set(tasks.map((t) => t.msgId)).size).toBe(40);
    expect(tasks.every((t) => /^[1-9][0-9]*$/.test(t.msgId))).toBe(true);
    const flaky = await master.enqueue('flaky', null, { maxAttempts: 2, backoff: { type: 'fixed', delayMs: 20 } });
    await eventually(() => completed.size === 40 && failed.length === 1, 'every task to end');
    // The worker names a task without a correlationId by its msgId.
    expect(completed).toEqual(new Set(tasks.map((t) => t.msgId)));
    expect(ran.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(failed).toEqual([{ taskId: flaky.msgId, reason: 'attempts-exhausted' }]);
    expect(attempts).toEqual([1, 2]);
    // Nothing was waited for, and no reply reached the master (one would be held as an orphan).
    await sleep(100);
    expect(master.pending).toBe(0);
    expect(master.orphans).toBe(0);
    expect(await master.client.queueStats(master.replyQueue)).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0 });
    expect(await master.client.queueStats('work')).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0 });
  });

  it('enqueue checks its input before posting, and a queued enqueued task is cancelled by its msgId', async () => {
    const t = await target();
    const master = await startMaster({ ...t, queue: 'work', name: 'itest' });
    open.push(master);
    await expect(master.enqueue('', null)).rejects.toThrow(TypeError);
    await expect(master.enqueue('x', { n: 1n })).rejects.toThrow(/BigInt/);
    await expect(master.enqueueMany('x', 'nope' as unknown as unknown[])).rejects.toThrow(/^payloads must be an array/);
    expect(await master.client.queueStats('work')).toMatchObject({ activeMsgNum: 0 });
    const now = await master.enqueue('now', { n: 1 });
    const [message] = await master.client.receive('work', { max: 1, waitSeconds: 0 });
    expect(message).toMatchObject({ msgId: now.msgId, correlationId: null, replyTo: null });
    await master.client.release('work', message!.receiptHandle, 0);
    // A payload JSON cannot carry, in the second batch of 16: nothing of the call is posted.
    const payloads = Array.from({ length: 20 }, (_, i) => (i === 17 ? { n: 1n } : { n: i }));
    await expect(master.enqueueMany('x', payloads)).rejects.toThrow(/BigInt/);
    await expect(master.submitMany('x', payloads)).rejects.toThrow(/BigInt/);
    expect(await master.client.queueStats('work')).toMatchObject({ activeMsgNum: 1 });
    expect(master.pending).toBe(0);
    const task = await master.enqueue('later', null, { delayMs: 60_000 });
    expect(await master.client.queueStats('work')).toMatchObject({ delayMsgNum: 1 });
    await expect(master.client.cancelMessage('work', task.msgId)).resolves.toBe('removed');
    expect(await master.client.queueStats('work')).toMatchObject({ delayMsgNum: 0 });
    await master.close();
    await expect(master.enqueue('x', null)).rejects.toBeInstanceOf(MasterClosedError);
  });

  it('map over many tasks with a worker concurrency above the map concurrency', async () => {
    let inFlight = 0;
    let max = 0;
    const { master } = await both(
      {
        square: async (n: number) => {
          max = Math.max(max, ++inFlight);
          await sleep(n % 7);
          inFlight--;
          return n * n;
        },
      },
      16,
    );
    const ns = Array.from({ length: 100 }, (_, i) => i);
    await expect(master.map('square', ns, { concurrency: 5 })).resolves.toEqual(ns.map((n) => n * n));
    expect(max).toBeLessThanOrEqual(5);
  });
});
