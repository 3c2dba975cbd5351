/** Assertions and waits shared by the engine suites. */
import { expect } from 'vitest';
import { SpoolError, type ErrorCode } from '../../core/index.js';

/** Awaits `promise`, expects it to reject with a SpoolError of `code`, and returns the error. */
export async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<SpoolError> {
  const err = await promise.then(
    (value) => {
      throw new Error(`expected ${code}, but the call resolved with ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(err, String(err)).toBeInstanceOf(SpoolError);
  expect((err as SpoolError).code, (err as SpoolError).message).toBe(code);
  return err as SpoolError;
}

/** Calls `fn`, expects it to throw a SpoolError of `code` synchronously. */
export function throwsWith(fn: () => unknown, code: ErrorCode): SpoolError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SpoolError);
    expect((err as SpoolError).code, (err as SpoolError).message).toBe(code);
    return err as SpoolError;
  }
  throw new Error(`expected ${code}, but the call returned`);
}

/**
 * Yields to the event loop (setImmediate, so store commits run) until `cond` holds. Real time is
 * only a safety bound; nothing here sleeps.
 */
export async function until(cond: () => boolean | Promise<boolean>, what = 'the condition', timeoutMs = 3000): Promise<void> {
  const started = performance.now();
  while (!(await cond())) {
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/**
 * Lets pending commits, wake-ups and deliveries run (a number of event-loop turns). On PostgreSQL
 * they are network round trips, not turns of this loop: there it also waits a little real time.
 */
export async function settle(turns = 20): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  if (process.env.SPOOL_TEST_STORE === 'postgres') {
    await new Promise<void>((resolve) => setTimeout(resolve, 50));
    for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
