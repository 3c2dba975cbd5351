/**
 * The worker's errors. A handler throws UnrecoverableError to end its task at once (no retry); the
 * others are the reasons a handler's `ctx.signal` fires (`signal.reason`), one class per cause.
 * TaskCancelledError and TaskTimeoutError are the classes a master's result rejects with.
 */
export { TaskCancelledError, TaskTimeoutError } from '../core/tasks/errors.js';

/** Thrown by a handler: the task fails for good on this attempt, whatever its maxAttempts. */
export class UnrecoverableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'name', { value: 'UnrecoverableError' });
  }
}

/**
 * The lease is no longer this worker's: a heartbeat's extension found it stale, or failed for a
 * connection that dropped (when it is back, or the request times out). The result is discarded.
 */
export class LeaseLostError extends Error {
  constructor(message = 'the task lease was lost', options?: { cause?: unknown }) {
    super(message, options);
    Object.defineProperty(this, 'name', { value: 'LeaseLostError' });
  }
}

/** The worker closed and the handler outlived `shutdownTimeoutMs`: the task is released for another worker. */
export class WorkerShutdownError extends Error {
  constructor(message = 'the worker is shutting down') {
    super(message);
    Object.defineProperty(this, 'name', { value: 'WorkerShutdownError' });
  }
}

/** Coerces anything thrown into an Error. */
export { asError as toError } from '../core/errors.js';
