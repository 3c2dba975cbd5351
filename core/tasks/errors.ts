/**
 * The two ends of a task that master and worker both see, as one class each: a master's result
 * rejects with them, and a worker's handler gets them as `ctx.signal.reason`.
 */

/** The code of every error a master's result rejects with. */
export type MasterErrorCode = 'TASK_FAILED' | 'TASK_TIMEOUT' | 'TASK_CANCELLED' | 'MASTER_CLOSED';

/** What a master's result rejects with: one class per kind, each with a stable `code` and the task id. */
export abstract class MasterError extends Error {
  abstract readonly code: MasterErrorCode;

  /** The task's id; null for a call refused before a task existed (MASTER_CLOSED). */
  readonly taskId: string | null;

  constructor(message: string, taskId: string | null, options?: { cause?: unknown }) {
    super(message, options);
    this.taskId = taskId;
  }
}

/** The task's timeoutMs, counted from its first post, ran out. */
export class TaskTimeoutError extends MasterError {
  override readonly name = 'TaskTimeoutError';
  readonly code = 'TASK_TIMEOUT';

  constructor(
    taskId: string,
    readonly timeoutMs: number,
  ) {
    super(`task ${taskId} timed out after ${timeoutMs} ms`, taskId);
  }
}

/**
 * The task was cancelled: `removed` before any worker leased it, or `running` while a worker held
 * it (the worker stops it and replies `cancelled`).
 */
export class TaskCancelledError extends MasterError {
  override readonly name = 'TaskCancelledError';
  readonly code = 'TASK_CANCELLED';

  constructor(
    taskId: string,
    readonly when: 'removed' | 'running',
  ) {
    super(when === 'removed' ? `task ${taskId} was cancelled before it ran` : `task ${taskId} was cancelled while running`, taskId);
  }
}
