/**
 * map and stream: one task per payload with a bounded number in flight. A task is in flight from
 * its post until its result settles, so a worker never sees more than `concurrency` of a batch at
 * once. map gathers results in input order; stream yields them in completion order.
 */
import type { RunOptions } from './options.js';
import type { TaskHandle } from './pending.js';
import { toError } from './errors.js';

export interface MapProgress {
  /** Tasks settled (succeeded or failed). */
  done: number;
  failed: number;
  inFlight: number;
  /** Number of payloads when known up front (an array or other sized collection), else null. */
  total: number | null;
}

export interface MapOptions extends RunOptions {
  /** Tasks in flight at most. Default 10. */
  concurrency?: number;
  /** Called after each task settles. A listener that throws is ignored. */
  onProgress?: (progress: MapProgress) => void;
  /** map only. Default true: the first failure rejects map and cancels the tasks in flight. */
  failFast?: boolean;
  /** map only. Resolve with a Settled entry per payload (never rejects for a task's failure). */
  settle?: boolean;
  /** Aborting stops posting and cancels the tasks in flight; map rejects (stream throws) with the signal's reason. */
  signal?: AbortSignal;
}

/** One task's outcome. taskId is null when the post itself failed. */
export type Settled<T> = { index: number; taskId: string | null; ok: true; result: T } | { index: number; taskId: string | null; ok: false; error: Error };

export const MAP_DEFAULTS = { concurrency: 10 } as const;

type Submit<T> = (payload: unknown, options: RunOptions) => Promise<TaskHandle<T>>;

interface Pool {
  /** Stop posting and cancel the tasks in flight (best effort). */
  stop(): void;
  /** The consumer took a result: room for another post. */
  room(): void;
  /** Resolves when every posted task has settled and no more will be posted; rejects if the payload source throws. */
  readonly finished: Promise<void>;
}

/**
 * Posts a task per payload, keeping at most `concurrency` in flight (plus `backlog()`: settled
 * results the consumer has not taken yet, so a slow stream reader slows the posting down).
 */
function startPool<T>(submit: Submit<T>, payloads: Iterable<unknown> | AsyncIterable<unknown>, options: MapOptions, onSettled: (s: Settled<T>) => void, backlog: () => number = () => 0): Pool {
  const concurrency = checkConcurrency(options.concurrency);
  const { concurrency: _c, onProgress, failFast: _f, settle: _s, signal: _signal, ...run } = options;
  const total = sizeOf(payloads);
  const handles = new Set<TaskHandle<T>>();
  const running = new Set<Promise<void>>();
  let stopped = false;
  let roomWaiter: (() => void) | null = null;
  const room = () => {
    roomWaiter?.();
    roomWaiter = null;
  };
  let done = 0;
  let failed = 0;

  /** Reports as each task settles (the settling task still counts in `running`, hence the -1). */
  const report = () => {
    if (!onProgress) return;
    try {
      onProgress({ done, failed, inFlight: running.size - 1, total });
    } catch {
      // A progress listener cannot break the batch.
    }
  };

  const one = async (payload: unknown, index: number): Promise<void> => {
    let handle: TaskHandle<T> | null = null;
    let settled: Settled<T>;
    try {
      handle = await submit(payload, run);
      handles.add(handle);
      if (stopped) void handle.cancel().catch(() => {});
      settled = { index, taskId: handle.taskId, ok: true, result: await handle.result };
    } catch (err) {
      settled = { index, taskId: handle?.taskId ?? null, ok: false, error: toError(err) };
    }
    if (handle) handles.delete(handle);
    done++;
    if (!settled.ok) failed++;
    report();
    if (!stopped) onSettled(settled);
  };

  const loop = async (): Promise<void> => {
    const iterator = Symbol.asyncIterator in payloads ? payloads[Symbol.asyncIterator]() : (payloads as Iterable<unknown>)[Symbol.iterator]();
    let index = 0;
    try {
      while (!stopped) {
        while (running.size + backlog() >= concurrency && !stopped) await Promise.race([...running, new Promise<void>((resolve) => (roomWaiter = resolve))]);
        if (stopped) break;
        const next = await iterator.next();
        if (next.done) break;
        const task: Promise<void> = one(next.value, index++).finally(() => running.delete(task));
        running.add(task);
      }
    } finally {
      if (stopped) await iterator.return?.();
    }
    await Promise.all(running);
  };

  const pool: Pool = {
    stop() {
      if (stopped) return;
      stopped = true;
      room();
      for (const handle of handles) void handle.cancel().catch(() => {});
    },
    room,
    finished: loop(),
  };
  const { signal } = options;
  if (signal) {
    if (signal.aborted) pool.stop();
    signal.addEventListener('abort', pool.stop, { once: true });
    pool.finished.finally(() => signal.removeEventListener('abort', pool.stop)).catch(() => {});
  }
  return pool;
}

/** `aborted` rejects with the signal's reason once it aborts (never settles without a signal); `dispose` stops listening. */
function whenAborted(signal: AbortSignal | undefined): { aborted: Promise<never>; dispose: () => void } {
  let dispose = () => {};
  const aborted = new Promise<never>((_, reject) => {
    if (!signal) return;
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    dispose = () => signal.removeEventListener('abort', onAbort);
  });
  aborted.catch(() => {});
  return { aborted, dispose };
}

export async function mapTasks<T>(submit: Submit<T>, payloads: Iterable<unknown> | AsyncIterable<unknown>, options: MapOptions): Promise<T[] | Settled<T>[]> {
  checkConcurrency(options.concurrency);
  const failFast = options.settle ? false : (options.failFast ?? true);
  const results: Settled<T>[] = [];
  let firstFailure: Error | null = null;
  let pool!: Pool;
  const failed = new Promise<never>((_, reject) => {
    pool = startPool(submit, payloads, options, (s) => {
      results[s.index] = s;
      if (!s.ok && failFast && !firstFailure) {
        firstFailure = s.error;
        pool.stop();
        reject(s.error);
      }
    });
  });
  failed.catch(() => {});
  const abort = whenAborted(options.signal);
  try {
    await Promise.race([pool.finished, failed, abort.aborted]);
  } finally {
    abort.dispose();
  }
  if (firstFailure) throw firstFailure;
  if (options.settle) return results;
  const failures = results.filter((s): s is Extract<Settled<T>, { ok: false }> => !s.ok);
  if (failures.length > 0) throw new AggregateError(failures.map((f) => f.error), `${failures.length} of ${results.length} tasks failed`);
  return results.map((s) => (s as Extract<Settled<T>, { ok: true }>).result);
}

export async function* streamTasks<T>(submit: Submit<T>, payloads: Iterable<unknown> | AsyncIterable<unknown>, options: MapOptions): AsyncGenerator<Settled<T>, void, undefined> {
  checkConcurrency(options.concurrency);
  const buffer: Settled<T>[] = [];
  let wake: (() => void) | null = null;
  const signal = () => {
    wake?.();
    wake = null;
  };
  const pool = startPool(
    submit,
    payloads,
    options,
    (s) => {
      buffer.push(s);
      signal();
    },
    () => buffer.length,
  );
  let finished = false;
  let failure: unknown = null;
  const abort = whenAborted(options.signal);
  abort.aborted.catch((reason: unknown) => {
    failure = reason;
    signal();
  });
  pool.finished.then(
    () => {
      finished = true;
      signal();
    },
    (err: unknown) => {
      finished = true;
      failure = err ?? new Error('the payload source failed');
      signal();
    },
  );
  try {
    while (true) {
      if (buffer.length > 0) {
        const next = buffer.shift()!;
        pool.room();
        yield next;
        continue;
      }
      if (failure) throw failure;
      if (finished) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    abort.dispose();
    // The consumer broke out early (or the source failed, or the signal aborted): nothing more is posted; what runs is cancelled.
    if (!finished) pool.stop();
  }
}

function checkConcurrency(value: unknown): number {
  if (value === undefined) return MAP_DEFAULTS.concurrency;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > 10_000) {
    throw new TypeError(`concurrency must be a whole number from 1 to 10000, got ${String(value)}`);
  }
  return value;
}

function sizeOf(payloads: unknown): number | null {
  if (Array.isArray(payloads)) return payloads.length;
  if (payloads instanceof Set || payloads instanceof Map) return payloads.size;
  return null;
}
