/** The Spool worker: runs task handlers for the tasks on a queue (docs/tasks.md). */
export { startWorker, type Worker } from './worker.js';
export {
  resolveWorkerOptions,
  WORKER_DEFAULTS,
  type WorkerOptions,
  type ResolvedWorkerOptions,
  type WorkerConnection,
  type TaskContext,
  type TaskHandlers,
  type WorkerLogger,
} from './options.js';
export { UnrecoverableError, TaskCancelledError, LeaseLostError, TaskTimeoutError, WorkerShutdownError } from './errors.js';
export { backoffDelayMs, DEFAULT_MAX_DELAY_MS, type BackoffFunction, type BackoffPolicy } from './backoff.js';
export { DLQ_SUFFIX, type TaskOutcome } from './task-run.js';
export type { WorkerEvents, TaskEventBase, FailureReason } from './events.js';
