/**
 * One suite for both ways a worker reaches a broker: over HTTP + WebSocket (startWorker({ url }))
 * and in process (startWorker({ broker: engine })). Real broker, real queues, no mocks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SpoolClient } from '../../core/client/index.js';
import { startWorker, TaskCancelledError, TaskTimeoutError, UnrecoverableError, WorkerShutdownError, type Worker, type WorkerOptions } from '../../worker/index.js';
import { REPLIES, TASKS, aborted, collectReplies, eventually, noMoreReplies, postTask, postTaskIds, sleep } from './tasks.js';

export interface WorkerFixture {
  /** A client of the same broker, for posting tasks and reading replies. */
  client: SpoolClient;
  /** How the worker reaches the broker: { url } or { broker }. */
  target: Pick<WorkerOptions, 'url' | 'broker'>;
}

const workers: Worker[] = [];

afterEach(async () => {
  for (const w of workers.splice(0)) await w.close();
});

export function workerContract(kind: string, setup: () => Promise<WorkerFixture>): void {
  async function fixture(): Promise<WorkerFixture> {
    const f = await setup();
    await f.client.createQueue(TASKS);
    await f.client.createQueue(REPLIES);
    return f;
  }

  async function start(f: WorkerFixture, options: Omit<WorkerOptions, 'queue' | 'url' | 'broker' | 'client'>): Promise<Worker> {
    const worker = await startWorker({ ...f.target, queue: TASKS, shutdownTimeoutMs: 2000, ...options });
    workers.push(worker);
    return worker;
  }

  describe(`worker (${kind})`, () => {
    it('runs handlers and completes each task with its result on the reply queue', async () => {
      const f = await fixture();
      const worker = await start(f, {
        concurrency: 4,
        handlers: {
          add: async (p: { a: number; b: number }, ctx) => ({ sum: p.a + p.b, attempt: ctx.attempt }),
          echo: (p: unknown) => p,
        },
      });
      const completed: string[] = [];
      worker.events.on('completed', (e) => completed.push(e.taskId));
      const ids = [await postTask(f.client, 'add', { a: 1, b: 2 }), await postTask(f.client, 'add', { a: 5, b: 5 }), await postTask(f.client, 'echo', 'hi')];
      const replies = await collectReplies(f.client, 3);
      expect(replies).toHaveLength(3);
      const byId = new Map(replies.map((r) => [r.taskId, r]));
      expect(byId.get(ids[0]!)).toMatchObject({ type: 'result', attempt: 1, result: { sum: 3, attempt: 1 } });
      expect(byId.get(ids[1]!)).toMatchObject({ type: 'result', result: { sum: 10 } });
      expect(byId.get(ids[2]!)).toMatchObject({ type: 'result', result: 'hi' });
      await eventually(() => completed.length === 3);
      expect((await f.client.getQueue(TASKS)).stats).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
    });

    it('retries a failing task with backoff, then succeeds', async () => {
      const f = await fixture();
      const starts: number[] = [];
      const worker = await start(f, {
        handlers: {
          flaky: async (_p, ctx) => {
            starts.push(Date.now());
            if (ctx.attempt < 3) throw new Error(`boom ${ctx.attempt}`);
            return 'ok';
          },
        },
      });
      const retried: { attempt: number; delayMs: number; message: string }[] = [];
      worker.events.on('retried', (e) => retried.push({ attempt: e.attempt, delayMs: e.delayMs, message: e.error.message }));
      const id = await postTask(f.client, 'flaky', null, { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 300 } });
      const [reply] = await collectReplies(f.client, 1);
      expect(reply).toMatchObject({ type: 'result', taskId: id, attempt: 3, result: 'ok' });
      expect(retried).toEqual([
        { attempt: 1, delayMs: 300, message: 'boom 1' },
        { attempt: 2, delayMs: 300, message: 'boom 2' },
      ]);
      expect(starts).toHaveLength(3);
      // The fractional release delays: each retry waited its backoff (less a little for timer skew).
      expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(280);
      expect(starts[2]! - starts[1]!).toBeGreaterThanOrEqual(280);
    });

    it('uses a backoff function from the options over the envelope', async () => {
      const f = await fixture();
      const delays: number[] = [];
      const worker = await start(f, {
        handlers: { flaky: async (_p, ctx) => (ctx.attempt < 3 ? Promise.reject(new Error('no')) : 'ok') },
        backoff: { flaky: (attempt) => attempt * 50 },
      });
      worker.events.on('retried', (e) => delays.push(e.delayMs));
      await postTask(f.client, 'flaky', null, { maxAttempts: 5, backoff: { type: 'fixed', delayMs: 60_000 } });
      const [reply] = await collectReplies(f.client, 1);
      expect(reply).toMatchObject({ type: 'result', attempt: 3 });
      expect(delays).toEqual([50, 100]);
    });

    it('sends a failure reply with message and stack once attempts run out, and copies the task to <queue>-dlq', async () => {
      const f = await fixture();
      await f.client.createQueue(`${TASKS}-dlq`);
      let calls = 0;
      const worker = await start(f, {
        handlers: {
          broken: async () => {
            calls += 1;
            throw new RangeError('always broken');
          },
        },
      });
      const failed: string[] = [];
      worker.events.on('failed', (e) => failed.push(e.reason));
      const id = await postTask(f.client, 'broken', { x: 1 }, { maxAttempts: 2, backoff: { type: 'exponential', delayMs: 10, maxDelayMs: 20 } });
      const replies = await collectReplies(f.client, 1);
      expect(replies).toHaveLength(1);
      const reply = replies[0]!;
      expect(reply).toMatchObject({ type: 'failure', taskId: id, attempt: 2, error: { name: 'RangeError', message: 'always broken' } });
      expect(reply.type === 'failure' && reply.error.stack).toContain('always broken');
      expect(calls).toBe(2);
      await eventually(() => failed.length === 1);
      expect(failed).toEqual(['attempts-exhausted']);
      const [copy] = await f.client.receive(`${TASKS}-dlq`, { max: 1, waitSeconds: 2 });
      expect(copy).toMatchObject({ correlationId: id, replyTo: REPLIES });
      expect(JSON.parse(copy!.body)).toMatchObject({ name: 'broken', payload: { x: 1 } });
      expect((await f.client.getQueue(TASKS)).stats).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0 });
    });

    it('ends a task at once on UnrecoverableError', async () => {
      const f = await fixture();
      let calls = 0;
      await start(f, {
        handlers: {
          fatal: async () => {
            calls += 1;
            throw new UnrecoverableError('bad input');
          },
        },
      });
      const id = await postTask(f.client, 'fatal', null, { maxAttempts: 5 });
      const [reply] = await collectReplies(f.client, 1);
      expect(reply).toMatchObject({ type: 'failure', taskId: id, attempt: 1, error: { name: 'UnrecoverableError', message: 'bad input' } });
      expect(await noMoreReplies(f.client, 300)).toEqual([]);
      expect(calls).toBe(1);
    });

    it('fails an unknown task name, and a body that is not a task (reply if replyTo, else ack)', async () => {
      const f = await fixture();
      const worker = await start(f, { handlers: { known: () => 1 } });
      const reasons: string[] = [];
      worker.events.on('failed', (e) => reasons.push(e.reason));
      const id = await postTask(f.client, 'mystery', null, { maxAttempts: 3 });
      await f.client.send(TASKS, { body: 'not json', replyTo: REPLIES, correlationId: 'junk-1' });
      await f.client.send(TASKS, { body: '{"hello":1}' });
      const replies = await collectReplies(f.client, 2);
      expect(replies.find((r) => r.taskId === id)).toMatchObject({ type: 'failure', attempt: 1, error: { message: expect.stringContaining('no handler for task "mystery"') } });
      expect(replies.find((r) => r.taskId === 'junk-1')).toMatchObject({ type: 'failure', error: { name: 'SpoolError' } });
      await eventually(() => reasons.length === 3);
      expect(reasons.sort()).toEqual(['invalid-body', 'invalid-body', 'unknown-task']);
      expect((await f.client.getQueue(TASKS)).stats).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
    });

    it('acks a task whose reply queue is gone, so it does not run again at every lease expiry', async () => {
      const f = await fixture();
      let calls = 0;
      const worker = await start(f, {
        leaseMs: 1000,
        handlers: {
          work: () => ++calls,
          fatal: () => {
            throw new UnrecoverableError('no');
          },
        },
      });
      const outcomes: string[] = [];
      worker.events.on('completed', () => outcomes.push('completed'));
      worker.events.on('failed', () => outcomes.push('failed'));
      worker.events.on('lost', () => outcomes.push('lost'));
      await postTask(f.client, 'work', null, { replyTo: 'master-that-left' });
      await postTask(f.client, 'fatal', null, { replyTo: 'master-that-left' });
      await eventually(() => outcomes.length === 2);
      expect(outcomes.sort()).toEqual(['completed', 'failed']);
      expect((await f.client.getQueue(TASKS)).stats).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
      await sleep(1500); // past the lease: a task left leased would be delivered again
      expect(calls).toBe(1);
    });

    it('heartbeats keep a task longer than leaseMs from being redelivered', async () => {
      const f = await fixture();
      let calls = 0;
      const handlers = {
        slow: async () => {
          calls += 1;
          await sleep(3500);
          return 'slow done';
        },
      };
      // Two workers: if the lease ran out, the idle one would get the task.
      await start(f, { leaseMs: 1000, handlers });
      await start(f, { leaseMs: 1000, handlers });
      const id = await postTask(f.client, 'slow', null, { maxAttempts: 3 });
      const [reply] = await collectReplies(f.client, 1);
      expect(reply).toMatchObject({ type: 'result', taskId: id, attempt: 1, result: 'slow done' });
      expect(calls).toBe(1);
    });

    it('sends progress replies, coalesced per heartbeat', async () => {
      const f = await fixture();
      await start(f, {
        leaseMs: 1000,
        handlers: {
          // Destructured: the context's functions work on their own.
          steps: async (_p, { progress }) => {
            for (let i = 1; i <= 10; i++) {
              progress({ step: i });
              await sleep(150);
            }
            return 'finished';
          },
        },
      });
      const id = await postTask(f.client, 'steps', null);
      const replies = await collectReplies(f.client, 100, { timeoutMs: 4000 });
      const progress = replies.filter((r) => r.type === 'progress');
      expect(progress.length).toBeGreaterThanOrEqual(1);
      // Ten reports in ~1.5 s at a heartbeat every ~0.5 s: coalesced to a few.
      expect(progress.length).toBeLessThan(10);
      for (const p of progress) expect(p).toMatchObject({ taskId: id, attempt: 1, value: { step: expect.any(Number) } });
      const steps = progress.map((p) => (p.type === 'progress' ? (p.value as { step: number }).step : 0));
      expect([...steps].sort((a, b) => a - b)).toEqual(steps);
      expect(replies.filter((r) => r.type === 'result')).toMatchObject([{ taskId: id, result: 'finished' }]);
    });

    it("gives the handler a log that carries the task's fields, and its name and attempts", async () => {
      const f = await fixture();
      const lines: { message: string; fields: Record<string, unknown> | undefined }[] = [];
      const capture = (message: string, fields?: Record<string, unknown>) => lines.push({ message, fields });
      const seen: unknown[] = [];
      await start(f, {
        log: { debug: capture, info: capture, warn: capture, error: capture },
        handlers: {
          hello: (_p, ctx) => {
            const { log } = ctx;
            log.info('hello from the handler', { extra: 1 });
            seen.push([ctx.name, ctx.attempt, ctx.maxAttempts, ctx.lastCheckpoint, ctx.signal.aborted]);
            return 'ok';
          },
        },
      });
      const id = await postTask(f.client, 'hello', null, { maxAttempts: 2 });
      await collectReplies(f.client, 1);
      expect(seen).toEqual([['hello', 1, 2, null, false]]);
      expect(lines.find((l) => l.message === 'hello from the handler')?.fields).toEqual({ taskId: id, task: 'hello', attempt: 1, msgId: expect.any(String), extra: 1 });
    });

    it('gives the next attempt the checkpoint the last one stored', async () => {
      const f = await fixture();
      const seen: unknown[] = [];
      await start(f, {
        leaseMs: 1000,
        handlers: {
          resumable: async (_p, ctx) => {
            seen.push(ctx.lastCheckpoint);
            if (ctx.attempt === 1) {
              ctx.checkpoint({ done: 5 });
              await sleep(800); // one heartbeat stores it
              ctx.checkpoint({ done: 7 }); // stored with the release's last extension
              throw new Error('crash after 7');
            }
            return (ctx.lastCheckpoint as { done: number }).done;
          },
        },
      });
      await postTask(f.client, 'resumable', null, { maxAttempts: 2 });
      const [reply] = await collectReplies(f.client, 1);
      expect(seen).toEqual([null, { done: 7 }]);
      expect(reply).toMatchObject({ type: 'result', attempt: 2, result: 7 });
    });

    it('fails without running a task whose earlier attempts ended unsettled (their workers died) past maxAttempts', async () => {
      const f = await fixture();
      let calls = 0;
      const worker = await start(f, { handlers: { crashy: () => ++calls } });
      const reasons: string[] = [];
      worker.events.on('failed', (e) => reasons.push(e.reason));
      await worker.close(); // the two crashed attempts happen with no worker of ours subscribed
      const id = await postTask(f.client, 'crashy', null, { maxAttempts: 2 });
      for (let attempt = 1; attempt <= 2; attempt++) {
        const [taken] = await f.client.receive(TASKS, { max: 1 });
        await f.client.release(TASKS, taken!.receiptHandle); // a worker that died gave it back
      }
      const again = await start(f, { handlers: { crashy: () => ++calls } });
      again.events.on('failed', (e) => reasons.push(e.reason));
      const [reply] = await collectReplies(f.client, 1);
      expect(reply).toMatchObject({ type: 'failure', taskId: id, attempt: 3, error: { message: expect.stringContaining('attempt 3 of 2') } });
      expect(calls).toBe(0);
      await eventually(() => reasons.length === 1);
      expect(reasons).toEqual(['attempts-exhausted']);
    });

    it('refuses progress and checkpoints that are not JSON where they are made', async () => {
      const f = await fixture();
      const thrown: string[] = [];
      await start(f, {
        handlers: {
          odd: (_p, ctx) => {
            for (const call of [() => ctx.progress(1n), () => ctx.checkpoint(1n)]) {
              try {
                call();
              } catch (err) {
                thrown.push(`${(err as Error).name}: ${(err as Error).message}`);
              }
            }
            return 'fine';
          },
        },
      });
      await postTask(f.client, 'odd', null);
      const [reply] = await collectReplies(f.client, 1);
      expect(reply).toMatchObject({ type: 'result', result: 'fine' });
      expect(thrown).toEqual([expect.stringMatching(/^TypeError: the progress must be JSON-serialisable/), expect.stringMatching(/^TypeError: the checkpoint must be JSON-serialisable/)]);
    });

    it("fires the signal with TaskTimeoutError on the task's timeoutMs and fails it", async () => {
      const f = await fixture();
      await start(f, {
        handlers: {
          forever: async (_p, ctx) => {
            const reason = await aborted(ctx.signal);
            throw reason;
          },
        },
      });
      const id = await postTask(f.client, 'forever', null, { timeoutMs: 300, maxAttempts: 3 });
      const [reply] = await collectReplies(f.client, 1);
      expect(reply).toMatchObject({ type: 'failure', taskId: id, error: { name: 'TaskTimeoutError' } });
      expect(await noMoreReplies(f.client, 200)).toEqual([]);
      expect(TaskTimeoutError.name).toBe('TaskTimeoutError');
    });

    it('close() waits for a running handler, then stops taking tasks', async () => {
      const f = await fixture();
      let started = 0;
      const worker = await start(f, {
        handlers: {
          work: async () => {
            started += 1;
            await sleep(500);
            return 'finished before close';
          },
        },
      });
      const id = await postTask(f.client, 'work', null);
      await eventually(() => started === 1);
      const t0 = Date.now();
      await worker.close();
      expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
      expect(worker.running).toBe(0);
      const [reply] = await collectReplies(f.client, 1, { timeoutMs: 2000 });
      expect(reply).toMatchObject({ type: 'result', taskId: id, result: 'finished before close' });
      await postTask(f.client, 'work', null);
      await sleep(200);
      expect(started).toBe(1);
      await worker.close(); // idempotent
    });

    it('close() aborts a handler that outlives shutdownTimeoutMs and releases its task to another worker', async () => {
      const f = await fixture();
      const reasons: unknown[] = [];
      const first = await start(f, {
        shutdownTimeoutMs: 200,
        handlers: {
          stubborn: async (_p, ctx) => {
            reasons.push(await aborted(ctx.signal));
            await sleep(300); // ignores the signal for a while; its outcome is discarded
            return 'too late';
          },
        },
      });
      const released: string[] = [];
      first.events.on('released', (e) => released.push(e.taskId));
      const id = await postTask(f.client, 'stubborn', null, { maxAttempts: 3 });
      await eventually(() => first.running === 1);
      await first.close();
      expect(reasons[0]).toBeInstanceOf(WorkerShutdownError);
      expect(released).toEqual([id]);
      await start(f, { handlers: { stubborn: () => 'second worker' } });
      const replies = await collectReplies(f.client, 1);
      expect(replies).toMatchObject([{ type: 'result', taskId: id, result: 'second worker' }]);
      // 2, though a remote subscribe that finds the message ready currently leases it twice (reported to the lead).
      expect(replies[0]!.attempt).toBeGreaterThanOrEqual(2);
      expect(await noMoreReplies(f.client, 400)).toEqual([]);
    });

    it('fires the signal with TaskCancelledError when the running task is cancelled, and replies cancelled', async () => {
      const f = await fixture();
      const reasons: unknown[] = [];
      const worker = await start(f, {
        handlers: {
          long: async (_p, ctx) => {
            const reason = await aborted(ctx.signal);
            reasons.push(reason);
            throw reason;
          },
        },
      });
      const cancelled: string[] = [];
      worker.events.on('cancelled', (e) => cancelled.push(e.taskId));
      const { taskId, msgId } = await postTaskIds(f.client, 'long', null, { maxAttempts: 3 });
      await eventually(() => worker.running === 1);
      expect(await f.client.cancelMessage(TASKS, msgId)).toBe('running');
      const [reply] = await collectReplies(f.client, 1);
      expect(reply).toMatchObject({ type: 'cancelled', taskId, attempt: 1 });
      expect(reasons[0]).toBeInstanceOf(TaskCancelledError);
      expect(cancelled).toEqual([taskId]);
      expect(await noMoreReplies(f.client, 300)).toEqual([]);
      expect((await f.client.getQueue(TASKS)).stats).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0 });
    });

    it('a cancel counts even when the handler looks at its signal only afterwards, or never', async () => {
      const f = await fixture();
      const seen: { look: boolean; aborted?: boolean; reason?: unknown }[] = [];
      let unblock!: () => void;
      const worker = await start(f, {
        handlers: {
          blocked: async ({ look }: { look: boolean }, ctx) => {
            await new Promise<void>((resolve) => (unblock = resolve));
            seen.push(look ? { look, aborted: ctx.signal.aborted, reason: ctx.signal.reason } : { look });
            throw new Error('gave up');
          },
        },
      });
      for (const look of [true, false]) {
        const { taskId, msgId } = await postTaskIds(f.client, 'blocked', { look }, { maxAttempts: 3 });
        await eventually(() => worker.running === 1);
        expect(await f.client.cancelMessage(TASKS, msgId)).toBe('running');
        await sleep(200); // the cancel reaches the worker while the handler waits
        unblock();
        const [reply] = await collectReplies(f.client, 1);
        expect(reply).toMatchObject({ type: 'cancelled', taskId, attempt: 1 });
        await eventually(() => worker.running === 0);
      }
      expect(seen[0]).toMatchObject({ look: true, aborted: true });
      expect(seen[0]!.reason).toBeInstanceOf(TaskCancelledError);
      expect(seen[1]).toEqual({ look: false });
      expect(await noMoreReplies(f.client, 300)).toEqual([]);
    });

    it('resubscribes when idle while the queue has ready tasks that never arrive', async () => {
      const f = await fixture();
      const worker = await start(f, { idleCheckMs: 150, handlers: { ping: () => 'pong' } });
      // A subscription the broker has stopped feeding: the same as a lost push stream that the
      // connection never noticed, from the worker's side.
      await (worker as unknown as { subscription: { setPrefetch(n: number): Promise<void> } }).subscription.setPrefetch(0);
      const id = await postTask(f.client, 'ping', null, { maxAttempts: 5 });
      const [reply] = await collectReplies(f.client, 1, { timeoutMs: 5000 });
      expect(reply).toMatchObject({ type: 'result', taskId: id, result: 'pong' });
    });

    it('closes with await using (Symbol.asyncDispose)', async () => {
      const f = await fixture();
      let ran = false;
      {
        await using worker = await startWorker({ ...f.target, queue: TASKS, handlers: { once: () => (ran = true) } });
        await postTask(f.client, 'once', null);
        await collectReplies(f.client, 1);
        expect(worker.running).toBe(0);
      }
      await postTask(f.client, 'once', null);
      await sleep(200);
      expect((await f.client.getQueue(TASKS)).stats.activeMsgNum).toBe(1);
      expect(ran).toBe(true);
    });

    it('validates its options, naming the option', async () => {
      const f = await fixture();
      await expect(startWorker({ ...f.target, queue: TASKS, handlers: {}, leaseMs: 10 })).rejects.toThrow(/leaseMs must be a whole number from 1000/);
      await expect(startWorker({ ...f.target, queue: TASKS, handlers: {}, concurrency: 0 })).rejects.toThrow(/concurrency/);
      await expect(startWorker({ ...f.target, queue: 'no-such-queue', handlers: {} })).rejects.toMatchObject({ code: 'QUEUE_NOT_FOUND' });
      await expect(startWorker({ ...f.target, queue: TASKS, handlers: {}, log: 'console' as never })).rejects.toThrow(/log must be an object with debug, info, warn and error/);
      await expect(startWorker({ ...f.target, queue: TASKS, handlers: {}, concurency: 4 } as never)).rejects.toThrow('startWorker: unknown option "concurency" (did you mean concurrency?)');
      await expect(startWorker({ broker: {} as never, queue: TASKS, handlers: {} })).rejects.toThrow(/broker must be an Engine/);
      await expect(startWorker({ client: {} as never, queue: TASKS, handlers: {} })).rejects.toThrow(/client must be a SpoolClient/);
    });

    it('reports a failed idle check as an error event', async () => {
      const f = await fixture();
      const worker = await start(f, { idleCheckMs: 100, handlers: { ping: () => 'pong' } });
      const errors: string[] = [];
      worker.events.on('error', ({ error }) => errors.push(error.message));
      await f.client.deleteQueue(TASKS);
      await eventually(() => errors.some((m) => m.startsWith('the idle check failed:')));
    });

    it('a logger that throws loses its line, not the task', async () => {
      const f = await fixture();
      const broken = () => {
        throw new Error('the log is full');
      };
      await start(f, { log: { debug: broken, info: broken, warn: broken, error: broken }, handlers: { fail: () => Promise.reject(new Error('no')) } });
      const id = await postTask(f.client, 'fail', null, { maxAttempts: 1 });
      const [reply] = await collectReplies(f.client, 1);
      expect(reply).toMatchObject({ type: 'failure', taskId: id, error: { message: 'no' } });
    });
  });
}
