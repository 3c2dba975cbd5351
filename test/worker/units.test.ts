/** Pure units: backoff delays, option resolution, the heartbeat loop. */
import { describe, expect, it } from 'vitest';
import { WorkerEmitter } from '../../worker/events.js';
import { Heartbeats } from '../../worker/heartbeat.js';
import { backoffDelayMs, resolveWorkerOptions, WORKER_DEFAULTS } from '../../worker/index.js';
import { sleep } from './tasks.js';

const err = new Error('x');

describe('backoffDelayMs', () => {
  it('fixed: the same delay every attempt', () => {
    expect([1, 2, 5].map((a) => backoffDelayMs({ type: 'fixed', delayMs: 250 }, a, err))).toEqual([250, 250, 250]);
  });

  it('exponential: doubles per attempt, capped, with equal jitter (upper half)', () => {
    const spec = { type: 'exponential' as const, delayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5, 6].map((a) => backoffDelayMs(spec, a, err, () => 1))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3].map((a) => backoffDelayMs(spec, a, err, () => 0))).toEqual([50, 100, 200]);
    expect(backoffDelayMs({ type: 'exponential', delayMs: 1000 }, 30, err, () => 1)).toBe(60_000);
  });

  it('a function gets the attempt and the error; bad values clamp', () => {
    expect(backoffDelayMs((attempt, e) => attempt * 10 + e.message.length, 3, err)).toBe(31);
    expect(backoffDelayMs(() => -5, 1, err)).toBe(0);
    expect(backoffDelayMs(() => Number.NaN, 1, err)).toBe(0);
    expect(backoffDelayMs(() => 1e12, 1, err)).toBe(3_600_000);
  });
});

describe('resolveWorkerOptions', () => {
  const base = { url: 'http://127.0.0.1:1', queue: 'q', handlers: { a: () => 1 } };

  it('fills named defaults', () => {
    const r = resolveWorkerOptions(base);
    expect(r).toMatchObject({ connection: { kind: 'url', url: base.url }, queue: 'q', ...WORKER_DEFAULTS, backoff: {} });
  });

  it('names the option in each error', () => {
    expect(() => resolveWorkerOptions({ queue: 'q', handlers: {} })).toThrow(/exactly one of url, broker, client; got none/);
    expect(() => resolveWorkerOptions({ ...base, client: {} as never })).toThrow(/got url, client/);
    expect(() => resolveWorkerOptions({ ...base, url: 'ftp://x' })).toThrow(/^url must be/);
    expect(() => resolveWorkerOptions({ ...base, queue: '' })).toThrow(/^queue/);
    expect(() => resolveWorkerOptions({ ...base, handlers: { a: 5 as never } })).toThrow(/^handlers\.a must be a function/);
    expect(() => resolveWorkerOptions({ ...base, concurrency: 1.5 })).toThrow(/^concurrency must be a whole number from 1/);
    expect(() => resolveWorkerOptions({ ...base, leaseMs: 999 })).toThrow(/^leaseMs must be a whole number from 1000/);
    expect(() => resolveWorkerOptions({ ...base, shutdownTimeoutMs: -1 })).toThrow(/^shutdownTimeoutMs/);
    expect(() => resolveWorkerOptions({ ...base, idleCheckMs: 'x' as never })).toThrow(/^idleCheckMs/);
    expect(() => resolveWorkerOptions({ ...base, backoff: { a: { type: 'linear', delayMs: 1 } as never } })).toThrow(/^backoff\.a must be/);
  });
});

describe('Heartbeat', () => {
  it('beats about every intervalMs, never overlapping, and stops on stop()', async () => {
    let active = 0;
    let overlapped = false;
    const beats: number[] = [];
    const clock = new Heartbeats({ intervalMs: 40 });
    const hb = clock.start(async () => {
      if (++active > 1) overlapped = true;
      beats.push(Date.now());
      await sleep(30);
      active -= 1;
    });
    await sleep(400);
    await hb.stop();
    const count = beats.length;
    expect(count).toBeGreaterThanOrEqual(3);
    expect(overlapped).toBe(false);
    await sleep(150);
    expect(beats.length).toBe(count);
  });

  it('a failing beat does not stop the loop', async () => {
    let n = 0;
    const hb = new Heartbeats({ intervalMs: 20 }).start(() => (++n % 2 ? Promise.reject(new Error('flaky')) : Promise.resolve()));
    await sleep(200);
    await hb.stop();
    expect(n).toBeGreaterThanOrEqual(3);
  });

  it('one clock beats each task on its own schedule; a stopped one no longer beats', async () => {
    const clock = new Heartbeats({ intervalMs: 30, jitter: 0 });
    const counts = { a: 0, b: 0 };
    const a = clock.start(async () => void counts.a++);
    await sleep(45);
    const b = clock.start(async () => void counts.b++);
    expect(a.stop()).toBeNull(); // no beat in progress
    await sleep(200);
    expect(counts.a).toBe(1);
    expect(counts.b).toBeGreaterThanOrEqual(4);
    await b.stop();
    const after = counts.b;
    await sleep(100);
    expect(counts.b).toBe(after);
  });
});

describe('event names', () => {
  it('are checked by the compiler, with typed listener arguments (npm run typecheck fails otherwise)', () => {
    const events = new WorkerEmitter();
    const seen: number[] = [];
    events.on('completed', (e) => seen.push(e.durationMs));
    // @ts-expect-error: there is no 'complete' event ('completed' is)
    events.on('complete', () => {});
    events.fire('completed', { taskId: 't', name: 'n', attempt: 1, msgId: '1', durationMs: 5, result: null });
    expect(seen).toEqual([5]);
  });
});
