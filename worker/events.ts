/** The worker's typed events; a throwing listener is reported as a warning and cannot break the worker. */
import { TypedEmitter } from '../core/client/index.js';

export interface TaskEventBase {
  taskId: string;
  name: string;
  attempt: number;
  msgId: string;
}

/** Why a task failed for good. */
export type FailureReason = 'attempts-exhausted' | 'unrecoverable' | 'unknown-task' | 'invalid-body' | 'timeout' | 'reply-rejected';

export interface WorkerEvents {
  /** A handler started. */
  started: [TaskEventBase];
  /** The task completed: its result is on the reply queue. */
  completed: [TaskEventBase & { durationMs: number; result: unknown }];
  /** The task failed for good: a failure reply was sent (and the envelope to `<queue>-dlq` if it exists). */
  failed: [TaskEventBase & { durationMs: number; error: Error; reason: FailureReason }];
  /** The attempt failed; the task was released to run again after `delayMs`. */
  retried: [TaskEventBase & { durationMs: number; error: Error; delayMs: number }];
  /** The task was cancelled; a `cancelled` reply was sent. */
  cancelled: [TaskEventBase & { durationMs: number }];
  /** The lease was lost (found stale, or the connection gone, at a heartbeat or a settle): the outcome was discarded; the broker gives the task to another worker. */
  lost: [TaskEventBase & { durationMs: number; error: Error }];
  /** close() gave the task back unfinished (its handler outlived shutdownTimeoutMs). */
  released: [TaskEventBase];
  /** Background trouble: a progress send, a heartbeat, a resubscribe, a dead-letter send failed. */
  error: [{ error: Error; taskId?: string }];
}

export class WorkerEmitter extends TypedEmitter<WorkerEvents> {
  fire<E extends keyof WorkerEvents>(event: E, ...args: WorkerEvents[E]): void {
    this.emit(event, ...args);
  }
}
