/**
 * The master with the real worker runtime (worker/), both in process and over a real broker:
 * retries then a final failure with the handler's stack, progress from ctx.progress, cancellation
 * of a running handler through its signal, and a map through several workers.
 */
import { describe, expect, it, afterEach } from 'vitest';
import { startMaster, TaskCancelledError, TaskFailedError, type Master, type MasterOptions } from '../../master/index.js';
import { startWorker, UnrecoverableError, type Worker, type WorkerOptions } from '../../worker/index.js';
import { join } from 'node:path';
import { openEngine } from '../../core/index.js';
import { tempDir } from '../helpers/engine.js';
import { startTestServer } from '../helpers/server.js';
import { sleep } from './test-worker.js';

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
