/**
 * One suite for both ways a master reaches a broker: over HTTP + WebSocket (startMaster({ url }))
 * and in process (startMaster({ broker: engine })). Real broker, real queues, a real (minimal)
 * worker on the client; no mocks.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SpoolClient } from '../../core/client/index.js';
import {
  MasterClosedError,
  TaskCancelledError,
  TaskFailedError,
  TaskTimeoutError,
  replyQueueName,
  startMaster,
  type Master,
  type MapProgress,
  type MasterOptions,
  type Settled,
  type TaskProgress,
} from '../../master/index.js';
import { NO_REPLY, aborted, eventually, sleep, startTestWorker, type TestHandler, type TestWorker } from './test-worker.js';

export interface MasterFixture {
  /** A client of the same broker, for the test worker and queue checks. */
  client: SpoolClient;
  target: Pick<MasterOptions, 'url' | 'broker'>;
}

const TASKS = 'tasks';
const open: { close(): Promise<void> }[] = [];

afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

const handlers: Record<string, TestHandler> = {
  double: async (n: number) => n * 2,
  sleepy: async (p: { ms: number; value: unknown }, ctx) => {
    await Promise.race([sleep(p.ms), aborted(ctx.signal)]);
    return p.value;
  },
  fail: async (p: { message: string }) => {
    throw new TypeError(p.message);
  },
  maybeFail: async (n: number) => {
    await sleep(5);
    if (n % 5 === 3) throw new Error(`bad ${n}`);
    return n;
  },
  progress: async (steps: number, ctx) => {
    for (let i = 1; i <= steps; i++) await ctx.progress({ step: i });
    return 'done';
  },
  hang: async (_p, ctx) => {
    await aborted(ctx.signal);
    throw new Error('stopped');
  },
  nack: async (_p, ctx) => {
    await ctx.release();
    return NO_REPLY;
  },
  /** Told of a cancel, gives the task back unsettled, as a worker that dies at that moment would. */
  letGoOnCancel: async (_p, ctx) => {
    await aborted(ctx.signal);
    await ctx.release();
    return NO_REPLY;
  },
};

export function masterContract(kind: string, setup: () => Promise<MasterFixture>): void {
  async function master(f: MasterFixture, options: Partial<MasterOptions> = {}): Promise<Master> {
    const m = await startMaster({ ...f.target, queue: TASKS, name: 'm1', ...options });
    open.push(m);
    return m;
  }

  async function worker(f: MasterFixture, prefetch = 50): Promise<TestWorker> {
    await f.client.createQueue(TASKS).catch(() => {});
    const w = await startTestWorker(f.client, TASKS, handlers, { prefetch });
    open.push(w);
    return w;
  }

  describe(`master (${kind})`, () => {
    it('creates the task queue and a durable reply queue named from its name', async () => {
      const f = await setup();
      const m = await master(f, { name: 'alpha' });
      expect(m.replyQueue).toBe('spool-replies-alpha');
      expect(replyQueueName('alpha')).toBe(m.replyQueue);
      await f.client.getQueue(TASKS);
      await f.client.getQueue('spool-replies-alpha');
      // A second start with the same queues is fine (they exist).
      await m.close();
      await master(f, { name: 'alpha' });
    });

    it('run() resolves with the worker result; the task message follows docs/tasks.md', async () => {
      const f = await setup();
      const m = await master(f);
      const seen: { body: unknown; correlationId: string | null; replyTo: string | null; attributes: Record<string, string> }[] = [];
      await f.client.createQueue(TASKS).catch(() => {});
      const sub = await f.client.subscribe(TASKS, { prefetch: 1 }, async (d) => {
        seen.push({ body: JSON.parse(d.body), correlationId: d.correlationId, replyTo: d.replyTo, attributes: d.attributes });
        await d.complete({ queue: d.replyTo!, correlationId: d.correlationId!, body: JSON.stringify({ v: 1, type: 'result', taskId: d.correlationId, attempt: 1, result: { ok: 42 } }) });
      });
      open.push(sub);
      await expect(m.run('answer', { q: 'life' }, { maxAttempts: 5, timeoutMs: 10_000 })).resolves.toEqual({ ok: 42 });
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatchObject({
        body: { v: 1, name: 'answer', payload: { q: 'life' }, maxAttempts: 5, backoff: { type: 'exponential', delayMs: 1000, maxDelayMs: 60000 }, timeoutMs: 10000, checkpoint: null },
        replyTo: 'spool-replies-m1',
        attributes: { 'spool.task': 'answer' },
      });
      expect(seen[0]!.correlationId).toMatch(/^[0-9a-f-]{36}$/);
      expect(m.pending).toBe(0);
      // The reply was acked after handling: the reply queue is empty.
      await eventually(async () => (await f.client.queueStats(m.replyQueue)).activeMsgNum + (await f.client.queueStats(m.replyQueue)).inactiveMsgNum === 0, 'an empty reply queue');
    });

    it('a failure reply rejects with TaskFailedError carrying the remote name, message and stack', async () => {
      const f = await setup();
      await worker(f);
      const m = await master(f);
      const err = await m.run('fail', { message: 'disk on fire' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskFailedError);
      const failed = err as TaskFailedError;
      expect(failed.code).toBe('TASK_FAILED');
      expect(failed.message).toBe('disk on fire');
      expect(failed.remoteName).toBe('TypeError');
      expect(failed.remoteStack).toMatch(/^TypeError: disk on fire\n\s+at /);
      expect(failed.remoteStack).toContain('master-contract.ts');
      expect(failed.stack).toContain(failed.remoteStack);
      expect((failed.cause as Error).name).toBe('TypeError');
      expect(failed.taskId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('a dead-letter notice from the broker rejects with TaskFailedError (DeadLetterError)', async () => {
      const f = await setup();
      await f.client.createQueue('tasks-dl');
      await f.client.createQueue(TASKS, { deadLetterPolicy: { deadLetterQueue: 'tasks-dl', policy: 0, maxReceiveCount: 1 } });
      await worker(f);
      const m = await master(f);
      const err = await m.run('nack', null).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskFailedError);
      expect((err as TaskFailedError).remoteName).toBe('DeadLetterError');
      expect((err as TaskFailedError).message).toMatch(/dead-lettered from tasks \(maxReceiveCount\)/);
      expect((await f.client.queueStats('tasks-dl')).activeMsgNum).toBe(1);
    });

    it('rejects with TaskTimeoutError after timeoutMs, cancels the task, and drops its late reply', async () => {
      const f = await setup();
      const w = await worker(f);
      const m = await master(f);
      const errors: Error[] = [];
      const orphans: string[] = [];
      m.events.on('error', (e) => errors.push(e.error));
      m.events.on('orphanResult', (e) => orphans.push(e.taskId));
      const started = Date.now();
      const err = await m.run('hang', null, { timeoutMs: 300 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskTimeoutError);
      expect((err as TaskTimeoutError).timeoutMs).toBe(300);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      // The running handler was told (cancel), its 'cancelled' reply is recognised as late, not an orphan.
      await eventually(() => w.inFlight === 0, 'the hung handler to stop');
      await eventually(async () => {
        const s = await f.client.queueStats(m.replyQueue);
        return s.activeMsgNum + s.inactiveMsgNum === 0;
      }, 'the late reply to be consumed');
      expect(orphans).toEqual([]);
      expect(errors).toEqual([]);
    });

    it('drops a duplicate final reply (a redelivery) instead of reporting an orphan', async () => {
      const f = await setup();
      await worker(f);
      const orphans: string[] = [];
      const errors: string[] = [];
      const m = await master(f, { on: { orphanResult: (e) => orphans.push(e.taskId), error: (e) => errors.push(e.error.message) } });
      const handle = await m.submit('double', 4);
      await expect(handle.result).resolves.toBe(8);
      await f.client.send(m.replyQueue, { correlationId: handle.taskId, body: JSON.stringify({ v: 1, type: 'result', taskId: handle.taskId, attempt: 1, result: 999 }) });
      await f.client.send(m.replyQueue, { body: 'not a reply' });
      await eventually(async () => {
        const s = await f.client.queueStats(m.replyQueue);
        return s.activeMsgNum + s.inactiveMsgNum === 0;
      }, 'both messages consumed');
      expect(orphans).toEqual([]);
      await eventually(() => errors.length === 1, 'the bad reply reported');
      expect(errors[0]).toMatch(/is not a task reply; dropped/);
    });

    it('delivers progress to the handle and as master events, then the result', async () => {
      const f = await setup();
      await worker(f);
      const m = await master(f);
      const handle = await m.submit('progress', 3);
      const viaHandle: unknown[] = [];
      const viaEvents: TaskProgress[] = [];
      handle.on('progress', (p) => viaHandle.push(p.value));
      m.events.on('progress', (p) => viaEvents.push(p));
      await expect(handle.result).resolves.toBe('done');
      expect(viaHandle).toEqual([{ step: 1 }, { step: 2 }, { step: 3 }]);
      expect(viaEvents.map((p) => p.taskId)).toEqual([handle.taskId, handle.taskId, handle.taskId]);
      expect(handle.msgId).toEqual(expect.any(String));
      expect(handle.settled).toBe(true);
    });

    it('submitMany posts batches of 16 and returns handles in input order, each with its own result', async () => {
      const f = await setup();
      const m = await master(f);
      const payloads = Array.from({ length: 40 }, (_, i) => i);
      const handles = await m.submitMany<number>('double', payloads, { priority: 3 });
      expect(handles.map((h) => h.msgId)).toEqual(handles.map(() => expect.stringMatching(/^[1-9][0-9]*$/) as unknown));
      expect(new Set(handles.map((h) => h.taskId)).size).toBe(40);
      const queued = await f.client.receive(TASKS, { max: 16, waitSeconds: 0 });
      expect(queued).toHaveLength(16);
      expect(queued.every((message) => message.priority === 3 && message.correlationId !== null)).toBe(true);
      for (const q of queued) await f.client.release(TASKS, q.receiptHandle, 0);
      await worker(f);
      expect(await Promise.all(handles.map((h) => h.result))).toEqual(payloads.map((n) => n * 2));
      expect(await m.submitMany('double', [])).toEqual([]);
      await expect(m.submitMany('double', 'not an array' as unknown as unknown[])).rejects.toThrow(/^payloads must be an array/);
    });

    it('map returns results in input order with at most `concurrency` tasks in flight', async () => {
      const f = await setup();
      const w = await worker(f, 100);
      const m = await master(f);
      const payloads = Array.from({ length: 40 }, (_, i) => ({ ms: (i * 7) % 23, value: i }));
      const progress: MapProgress[] = [];
      const results = await m.map<number>('sleepy', payloads, { concurrency: 4, onProgress: (p) => progress.push({ ...p }) });
      expect(results).toEqual(payloads.map((p) => p.value));
      expect(w.maxInFlight).toBeLessThanOrEqual(4);
      expect(w.maxInFlight).toBeGreaterThanOrEqual(2);
      expect(progress).toHaveLength(40);
      expect(progress.at(-1)).toEqual({ done: 40, failed: 0, inFlight: 0, total: 40 });
      expect(Math.max(...progress.map((p) => p.inFlight))).toBeLessThanOrEqual(4);
    });

    it('map takes an async iterable of payloads', async () => {
      const f = await setup();
      await worker(f);
      const m = await master(f);
      async function* gen() {
        for (let i = 0; i < 10; i++) yield i;
      }
      await expect(m.map<number>('double', gen(), { concurrency: 3 })).resolves.toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    });

    it('map fails fast by default, collects with failFast false, and settles with settle', async () => {
      const f = await setup();
      const w = await worker(f);
      const m = await master(f);
      const payloads = Array.from({ length: 20 }, (_, i) => i);

      const fast = await m.map('maybeFail', payloads, { concurrency: 2 }).catch((e: unknown) => e);
      expect(fast).toBeInstanceOf(TaskFailedError);
      expect((fast as Error).message).toBe('bad 3');
      await eventually(() => w.inFlight === 0 && m.pending === 0, 'the batch to stop');
      // Fail fast stopped posting: far fewer than 20 tasks ran.
      expect(w.started.length).toBeLessThan(12);

      const all = await m.map('maybeFail', payloads, { concurrency: 5, failFast: false }).catch((e: unknown) => e);
      expect(all).toBeInstanceOf(AggregateError);
      expect((all as AggregateError).errors.map((e: Error) => e.message)).toEqual(['bad 3', 'bad 8', 'bad 13', 'bad 18']);

      const settled = await m.map<number>('maybeFail', payloads, { concurrency: 5, settle: true });
      expect(settled).toHaveLength(20);
      settled.forEach((s, i) => {
        expect(s.index).toBe(i);
        if (i % 5 === 3) expect(s).toMatchObject({ ok: false, error: { message: `bad ${i}` } });
        else expect(s).toMatchObject({ ok: true, result: i });
      });
    });

    it('stream yields results in completion order', async () => {
      const f = await setup();
      await worker(f);
      const m = await master(f);
      const payloads = [
        { ms: 600, value: 'slow' },
        { ms: 10, value: 'fast' },
        { ms: 250, value: 'middle' },
      ];
      const order: Settled<string>[] = [];
      for await (const item of m.stream<string>('sleepy', payloads, { concurrency: 3 })) order.push(item);
      expect(order.map((s) => s.index)).toEqual([1, 2, 0]);
      expect(order.map((s) => (s.ok ? s.result : null))).toEqual(['fast', 'middle', 'slow']);
    });

    it('breaking out of a stream stops posting and cancels the tasks in flight', async () => {
      const f = await setup();
      const w = await worker(f);
      const m = await master(f);
      const payloads = Array.from({ length: 50 }, (_, i) => ({ ms: i === 0 ? 5 : 5000, value: i }));
      for await (const item of m.stream('sleepy', payloads, { concurrency: 3 })) {
        expect(item).toMatchObject({ index: 0, ok: true });
        break;
      }
      expect(w.started.length).toBeLessThanOrEqual(4);
      await eventually(() => m.pending === 0, 'the cancelled tasks to settle');
    });

    it('an aborted signal stops map and stream: nothing more is posted, the tasks in flight are cancelled', async () => {
      const f = await setup();
      const w = await worker(f);
      const m = await master(f);
      const payloads = Array.from({ length: 50 }, (_, i) => ({ ms: 5000, value: i }));
      const controller = new AbortController();
      const mapped = m.map('sleepy', payloads, { concurrency: 3, signal: controller.signal });
      await eventually(() => w.started.length === 3, 'three tasks to start');
      controller.abort(new Error('enough'));
      await expect(mapped).rejects.toThrow('enough');
      await eventually(() => m.pending === 0, 'the cancelled tasks to settle');
      expect(w.started).toHaveLength(3);

      const stopped = new AbortController();
      stopped.abort(new Error('before it began'));
      const seen: unknown[] = [];
      await expect(
        (async () => {
          for await (const item of m.stream('sleepy', payloads, { concurrency: 3, signal: stopped.signal })) seen.push(item);
        })(),
      ).rejects.toThrow('before it began');
      expect(seen).toEqual([]);
      await eventually(() => m.pending === 0, 'nothing left in flight');
    });

    it('map and stream check the payloads and every option before posting anything: an AbortController for a signal is a TypeError, not a crash', async () => {
      const f = await setup();
      const w = await worker(f);
      const m = await master(f);
      // The easy mistake: the controller, not its .signal. 'fail' tasks: a batch posted anyway would fail fast and stop a pool it never had.
      const controller = new AbortController() as unknown as AbortSignal;
      const failing = [{ message: 'a' }, { message: 'b' }, { message: 'c' }];
      await expect(m.map('fail', failing, { signal: controller })).rejects.toThrow(/^signal must be an AbortSignal \(the controller's \.signal, not the controller\), got an AbortController$/);
      await expect(m.map('fail', failing, { signal: controller, settle: true })).rejects.toThrow(TypeError);
      const seen: unknown[] = [];
      await expect(
        (async () => {
          for await (const item of m.stream('fail', failing, { signal: controller })) seen.push(item);
        })(),
      ).rejects.toThrow(/^signal must be an AbortSignal/);
      expect(seen).toEqual([]);
      await expect(m.map('double', 5 as unknown as number[])).rejects.toThrow(/^payloads must be an iterable or async iterable \(.*\), got 5$/);
      await expect(m.map('double', 'abc' as unknown as number[])).rejects.toThrow(/^payloads must be an iterable or async iterable .*, got "abc"$/);
      await expect(m.map('double', [1], { concurrency: '4' as unknown as number })).rejects.toThrow('concurrency must be a whole number from 1 to 10000, got "4"');
      await expect(m.map('double', [1], { onProgress: true as unknown as () => void })).rejects.toThrow(/^onProgress must be a function, got true$/);
      await expect(m.map('double', [1], { settle: 'yes' as unknown as true })).rejects.toThrow(/^settle must be true or false, got "yes"$/);
      // The task options too, once for the batch (not a failure per task, nor a Settled entry each).
      await expect(m.map('double', [1, 2], { maxAttempts: 0, settle: true })).rejects.toThrow(/^maxAttempts must be a whole number from 1 to 1000, got 0$/);
      await expect(m.map('', [1])).rejects.toThrow(/^the task name must be a non-empty string, got ""$/);
      await expect(
        (async () => {
          for await (const item of m.stream('double', [1], { concurrency: 0 })) seen.push(item);
        })(),
      ).rejects.toThrow(/^concurrency must be/);
      // Nothing was posted.
      await sleep(200);
      expect(w.started).toEqual([]);
      expect(m.pending).toBe(0);
      const stats = await f.client.queueStats(TASKS);
      expect(stats.activeMsgNum + stats.inactiveMsgNum + stats.delayMsgNum).toBe(0);
    });

    it('cancel() of a queued task removes it and rejects its result at once', async () => {
      const f = await setup();
      const m = await master(f);
      const handle = await m.submit('double', 21);
      await expect(m.cancel(handle.taskId)).resolves.toBe('removed');
      const err = await handle.result.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskCancelledError);
      expect((err as TaskCancelledError).when).toBe('removed');
      const stats = await f.client.queueStats(TASKS);
      expect(stats.activeMsgNum + stats.inactiveMsgNum + stats.delayMsgNum).toBe(0);
      await expect(m.cancel(handle.taskId)).resolves.toBe('gone');
    });

    it('cancel() of a running task tells its worker; the result rejects when the cancelled reply comes', async () => {
      const f = await setup();
      const w = await worker(f);
      const m = await master(f);
      const handle = await m.submit('hang', null);
      await eventually(() => w.started.includes(handle.taskId), 'the task to start');
      await expect(handle.cancel()).resolves.toBe('running');
      const err = await handle.result.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskCancelledError);
      expect((err as TaskCancelledError).when).toBe('running');
      expect(w.inFlight).toBe(0);
    });

    it('a running task cancelled, whose worker then lets it go unsettled, ends: it rejects with TaskCancelledError and never runs again', async () => {
      const f = await setup();
      const w = await worker(f);
      const m = await master(f);
      const handle = await m.submit('letGoOnCancel', null);
      await eventually(() => w.started.includes(handle.taskId), 'the task to start');
      await expect(handle.cancel()).resolves.toBe('running');
      const err = await handle.result.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TaskCancelledError);
      expect((err as TaskCancelledError).when).toBe('running');
      await sleep(200);
      expect(w.started.filter((id) => id === handle.taskId)).toHaveLength(1);
      const stats = await f.client.queueStats(TASKS);
      expect(stats.activeMsgNum + stats.inactiveMsgNum + stats.delayMsgNum).toBe(0);
    });

    it('a master restarted with the same name collects results of tasks its previous incarnation posted', async () => {
      const f = await setup();
      const first = await master(f, { name: 'phoenix' });
      const handles = await Promise.all([1, 2, 3].map((n) => first.submit('double', n)));
      await first.close();
      for (const h of handles) await expect(h.result).rejects.toBeInstanceOf(MasterClosedError);
      // The tasks run while no master listens: the replies wait on the durable reply queue.
      await worker(f);
      await eventually(async () => (await f.client.queueStats(replyQueueName('phoenix'))).activeMsgNum === 3, 'three replies on the reply queue');
      const orphans: string[] = [];
      const second = await master(f, { name: 'phoenix', on: { orphanResult: (e) => orphans.push(e.taskId) } });
      await eventually(() => second.orphans === 3, 'the orphan replies');
      expect(orphans.sort()).toEqual(handles.map((h) => h.taskId).sort());
      expect(await Promise.all(handles.map((h) => second.result(h.taskId)))).toEqual([2, 4, 6]);
      expect(second.orphans).toBe(0);
      // attach() before the reply comes waits for it.
      const later = await second.submit('sleepy', { ms: 50, value: 'x' });
      await expect(second.attach(later.taskId).result).resolves.toBe('x');
      // An id with no reply coming: attach's timeout stops the wait.
      await expect(second.result('00000000-0000-4000-8000-000000000000', { timeoutMs: 100 })).rejects.toBeInstanceOf(TaskTimeoutError);
    });

    it('validates options, naming the option', async () => {
      const f = await setup();
      await expect(startMaster({ ...f.target, queue: TASKS, name: 'bad name!' })).rejects.toThrow(/^name must give a queue name/);
      await expect(startMaster({ queue: TASKS, name: 'x' } as MasterOptions)).rejects.toThrow(/exactly one of url, broker, client/);
      const m = await master(f);
      await expect(m.run('double', 1, { maxAttempts: 0 })).rejects.toThrow(/^maxAttempts must be a whole number/);
      await expect(m.map('double', [1], { concurrency: 0 })).rejects.toThrow(/^concurrency must be/);
      await m.close();
      await expect(m.run('double', 1)).rejects.toBeInstanceOf(MasterClosedError);
      await m.close();
    });

    it('result() and attach() after close() do not throw: the result rejects with MasterClosedError, or settles from a reply already held', async () => {
      const f = await setup();
      const first = await master(f, { name: 'closer' });
      const handle = await first.submit('double', 21);
      await first.close();
      await worker(f);
      await eventually(async () => (await f.client.queueStats(replyQueueName('closer'))).activeMsgNum === 1, 'the reply on the reply queue');
      const second = await master(f, { name: 'closer' });
      await eventually(() => second.orphans === 1, 'the orphan reply');
      await second.close();

      const unknown = '00000000-0000-4000-8000-000000000000';
      // result() is a promise either way: .catch() sees the error (it used to be thrown synchronously).
      const err = await second.result(unknown).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MasterClosedError);
      expect((err as MasterClosedError).taskId).toBe(unknown);
      const attached = second.attach(unknown, { timeoutMs: 60_000 });
      expect(attached.settled).toBe(true);
      await expect(attached.result).rejects.toBeInstanceOf(MasterClosedError);
      await expect(first.result(handle.taskId)).rejects.toBeInstanceOf(MasterClosedError);
      // The reply the closed master holds (acked, so on no queue any more) still settles.
      await expect(second.result(handle.taskId)).resolves.toBe(42);
      expect(second.orphans).toBe(0);
    });
  });
}
