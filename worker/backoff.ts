/**
 * Delay before a failed task's next attempt. A policy is the envelope's BackoffSpec (fixed or
 * exponential, docs/tasks.md) or a function set in the worker's options for a task name.
 */
import type { BackoffSpec } from '../core/tasks/envelope.js';

/** `attempt` is the attempt that just failed (1 for the first); returns a delay in ms. */
export type BackoffFunction = (attempt: number, error: Error) => number;

export type BackoffPolicy = BackoffSpec | BackoffFunction;

/** Cap for exponential backoff when the spec names none, ms. */
export const DEFAULT_MAX_DELAY_MS = 60_000;

/** Most a release may delay, ms (the broker's delaySecondsMax, 3600 s). */
export const MAX_BACKOFF_MS = 3_600_000;

/**
 * The delay after `attempt` failed, in ms, clamped to 0..MAX_BACKOFF_MS.
 * - fixed: `delayMs` every time;
 * - exponential: `delayMs * 2^(attempt-1)`, capped at `maxDelayMs`, then "equal jitter" (a random
 *   point in the upper half, so retries of tasks that failed together spread out but never come
 *   back sooner than half the nominal delay).
 */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number, error: Error, random: () => number = Math.random): number {
  let delay: number;
  if (typeof policy === 'function') {
    delay = policy(attempt, error);
  } else if (policy.type === 'exponential') {
    const cap = policy.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    const nominal = Math.min(cap, policy.delayMs * 2 ** Math.max(0, attempt - 1));
    delay = nominal / 2 + random() * (nominal / 2);
  } else {
    delay = policy.delayMs;
  }
  if (!Number.isFinite(delay) || delay < 0) return 0;
  return Math.min(MAX_BACKOFF_MS, Math.round(delay));
}
