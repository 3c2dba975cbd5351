/**
 * map and stream: one task per payload with a bounded number in flight. A task is in flight from
 * its post until its result settles, so a worker never sees more than `concurrency` of a batch at
 * once. map gathers results in input order; stream yields them in completion order.
 */
import { describeValue, integerOption } from '../core/client/index.js';
import { RUN_DEFAULTS, checkTaskName, resolveRunOptions, type RunOptions } from './options.js';
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

type Payloads = Iterable<unknown> | AsyncIterable<unknown>;

/** map's and stream's arguments once checked: nothing optional left to go wrong mid-batch. */
interface Batch {
  payloads: Payloads;
  concurrency: number;
  /** The options each task is posted with (run()'s). */
  run: RunOptions;
  onProgress: ((progress: MapProgress) => void) | null;
  failFast: boolean;
  settle: boolean;
  signal: AbortSignal | null;
}

/**
 * Checks the task name, the payloads and every option before anything is posted, so a mistake
 * (a controller for a signal, a number for payloads, a string for concurrency) is one TypeError
 * naming the argument, and not a batch half posted.
 */
function checkBatch(kind: 'map' | 'stream', name: unknown, payloads: unknown, options: unknown): Batch {
  checkTaskName(name);
  if (!isIterable(payloads)) throw new TypeError(`payloads must be an iterable or async iterable (an array, a Set, a generator...), got ${describeValue(payloads)}`);
  if (options === undefined) options = {};
  if (typeof options !== 'object' || options === null) throw new TypeError(`${kind} options must be an object, got ${describeValue(options)}`);
  const { concurrency, onProgress, failFast: givenFailFast, settle: givenSettle, signal, ...run } = options as MapOptions;
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new TypeError(`onProgress must be a function, got ${describeValue(onProgress)}`);
  // stream yields every outcome: failFast and settle are map's (ignored by stream, as they always were).
  const failFast = kind === 'map' ? givenFailFast : undefined;
  const settle = kind === 'map' ? givenSettle : undefined;
  for (const [option, value] of [
    ['failFast', failFast],
    ['settle', settle],
  ] as const) {
    if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${option} must be true or false, got ${describeValue(value)}`);
  }
  // The task options are checked as run() checks them (the master's defaults fill the gaps at each post).
  resolveRunOptions(run, RUN_DEFAULTS);
  return {
    payloads,
    concurrency: integerOption('concurrency', concurrency, MAP_DEFAULTS.concurrency, 1, 10_000),
    run,
    onProgress: onProgress ?? null,
    failFast: settle ? false : (failFast ?? true),
    settle: settle ?? false,
    signal: checkSignal(signal),
  };
}

function isIterable(value: unknown): value is Payloads {
  if (typeof value !== 'object' || value === null) return false;
  const it = value as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof it[Symbol.asyncIterator] === 'function' || typeof it[Symbol.iterator] === 'function';
}

function isAsyncIterable(value: Payloads): value is AsyncIterable<unknown> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}

function isAbortSignal(value: unknown): value is AbortSignal {
  if (value instanceof AbortSignal) return true;
  // A signal of another realm or an AbortSignal polyfill: what the pool uses of it is there.
  const s = value as Partial<AbortSignal> | null;
  return typeof value === 'object' && s !== null && typeof s.aborted === 'boolean' && typeof s.addEventListener === 'function' && typeof s.removeEventListener === 'function';
}

function checkSignal(value: unknown): AbortSignal | null {
  if (value === undefined) return null;
  if (isAbortSignal(value)) return value;
  const controller = typeof value === 'object' && value !== null && 'signal' in value && isAbortSignal(value.signal);
  throw new TypeError(`signal must be an AbortSignal${controller ? ' (the controller\'s .signal, not the controller)' : ''}, got ${describeValue(value)}`);
}

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
 * Nothing here throws: a batch that is checked (checkBatch) and has started posting ends only
 * through `finished`, so its caller always holds the pool that can stop it.
 */
function startPool<T>(submit: Submit<T>, batch: Batch, onSettled: (s: Settled<T>) => void, backlog: () => number = () => 0): Pool {
  const { payloads, concurrency, run, onProgress, signal } = batch;
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

  const stop = () => {
    if (stopped) return;
    stopped = true;
    room();
    for (const handle of handles) void handle.cancel().catch(() => {});
  };

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
    if (stopped) return;
    const iterator = isAsyncIterable(payloads) ? payloads[Symbol.asyncIterator]() : payloads[Symbol.iterator]();
    let index = 0;
    try {
      while (!stopped) {
        while (running.size + backlog() >= concurrency && !stopped) await Promise.race([...running, new Promise<void>((resolve) => (roomWaiter = resolve))]);
        if (stopped) break;
        const next = await iterator.next();
        // Stopped while the source produced the payload: it is not posted.
        if (next.done || stopped) break;
        const task: Promise<void> = one(next.value, index++).finally(() => running.delete(task));
        running.add(task);
      }
    } finally {
      if (stopped) await iterator.return?.();
    }
    await Promise.all(running);
  };

  // The signal is heard before the first payload is taken: an aborted one posts nothing.
  if (signal) {
    if (signal.aborted) stop();
    else signal.addEventListener('abort', stop, { once: true });
  }
  const finished = loop();
  if (signal) finished.finally(() => signal.removeEventListener('abort', stop)).catch(() => {});
  return { stop, room, finished };
}

/** `aborted` rejects with the signal's reason once it aborts (never settles without a signal); `dispose` stops listening. */
function whenAborted(signal: AbortSignal | null): { aborted: Promise<never>; dispose: () => void } {
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

export async function mapTasks<T>(submit: Submit<T>, name: string, payloads: Payloads, options: MapOptions): Promise<T[] | Settled<T>[]> {
  const batch = checkBatch('map', name, payloads, options);
  const results: Settled<T>[] = [];
  let firstFailure: Error | null = null;
  let fail!: (error: Error) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  const abort = whenAborted(batch.signal);
  const pool = startPool<T>(submit, batch, (s) => {
    results[s.index] = s;
    if (!s.ok && batch.failFast && !firstFailure) {
      firstFailure = s.error;
      pool.stop();
      fail(s.error);
    }
  });
  try {
    // The abort first: with a signal aborted before the call, the pool has finished at once (posting nothing).
    await Promise.race([abort.aborted, failed, pool.finished]);
  } finally {
    abort.dispose();
  }
  if (firstFailure) throw firstFailure;
  if (batch.settle) return results;
  const failures = results.filter((s): s is Extract<Settled<T>, { ok: false }> => !s.ok);
  if (failures.length > 0) throw new AggregateError(failures.map((f) => f.error), `${failures.length} of ${results.length} tasks failed`);
  return results.map((s) => (s as Extract<Settled<T>, { ok: true }>).result);
}

export async function* streamTasks<T>(submit: Submit<T>, name: string, payloads: Payloads, options: Omit<MapOptions, 'failFast' | 'settle'>): AsyncGenerator<Settled<T>, void, undefined> {
  const batch = checkBatch('stream', name, payloads, options);
  const buffer: Settled<T>[] = [];
  let wake: (() => void) | null = null;
  const signal = () => {
    wake?.();
    wake = null;
  };
  let finished = false;
  let failure: unknown = null;
  const abort = whenAborted(batch.signal);
  abort.aborted.catch((reason: unknown) => {
    failure = reason;
    signal();
  });
  const pool = startPool<T>(
    submit,
    batch,
    (s) => {
      buffer.push(s);
      signal();
    },
    () => buffer.length,
  );
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

function sizeOf(payloads: unknown): number | null {
  if (Array.isArray(payloads)) return payloads.length;
  if (payloads instanceof Set || payloads instanceof Map) return payloads.size;
  return null;
}
