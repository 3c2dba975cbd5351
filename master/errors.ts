/**
 * Why a task's result promise rejects: one class per kind, each with a stable `code` and the task id.
 * A TaskFailedError carries the worker's error (name, message, stack) as sent in the failure reply.
 */
import type { TaskError } from '../core/tasks/envelope.js';
import { MasterError } from '../core/tasks/errors.js';

export { MasterError, TaskCancelledError, TaskTimeoutError, type MasterErrorCode } from '../core/tasks/errors.js';

/**
 * The task failed for good: attempts used up, an UnrecoverableError, an unknown task name, or a
 * broker dead-letter notice (remoteName 'DeadLetterError'). `message` is the remote message;
 * `remoteStack` the remote stack, which `stack` also ends with; `cause` is the remote error rebuilt.
 */
export class TaskFailedError extends MasterError {
  override readonly name = 'TaskFailedError';
  readonly code = 'TASK_FAILED';
  /** The remote error's class name, e.g. 'TypeError', 'UnrecoverableError', 'DeadLetterError'. */
  readonly remoteName: string;
  readonly remoteStack: string | undefined;
  /** The attempt that failed (the delivery count for a dead-letter notice). */
  readonly attempt: number;

  constructor(taskId: string, remote: TaskError, attempt: number) {
    const cause = Object.assign(new Error(remote.message), { name: remote.name });
    cause.stack = remote.stack ?? `${remote.name}: ${remote.message}`;
    super(remote.message, taskId, { cause });
    this.remoteName = remote.name;
    this.remoteStack = remote.stack;
    this.attempt = attempt;
    if (remote.stack) this.stack = `${this.stack ?? `TaskFailedError: ${remote.message}`}\n  remote ${remote.stack}`;
  }
}

/**
 * The master closed while the task was pending (or was already closed: submit, run, map, and the
 * result of attach / result). The task itself goes on: its reply stays on the durable reply queue
 * for the next master with the same name (attach / result).
 */
export class MasterClosedError extends MasterError {
  override readonly name = 'MasterClosedError';
  readonly code = 'MASTER_CLOSED';

  constructor(taskId: string | null) {
    super(taskId === null ? 'the master is closed' : `the master closed before task ${taskId} finished`, taskId);
  }
}

/** Coerces anything thrown into an Error. */
export { asError as toError } from '../core/errors.js';
