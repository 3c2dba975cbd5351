/** The prefetch range, checked before anything is sent (the broker checks it too). */
import { SpoolClientError } from './errors.js';
import { PREFETCH_MAX } from './types.js';

/** Throws INVALID_PARAMETER unless `prefetch` is an integer from `min` (1 to subscribe, 0 to pause) to PREFETCH_MAX. */
export function checkPrefetch(prefetch: unknown, min: 0 | 1): number {
  if (typeof prefetch !== 'number' || !Number.isInteger(prefetch) || prefetch < min || prefetch > PREFETCH_MAX) {
    throw new SpoolClientError('INVALID_PARAMETER', `prefetch must be an integer from ${min} to ${PREFETCH_MAX}, got ${String(prefetch)}`);
  }
  return prefetch;
}
