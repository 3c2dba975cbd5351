/**
 * The task wire format shared by master/ and worker/ (docs/tasks.md): the task envelope carried in
 * a task message's body, and the replies a worker sends to the master's reply queue.
 */
import { SpoolError } from '../errors.js';

export interface BackoffSpec {
  type: 'fixed' | 'exponential';
  /** Delay before the second attempt, ms. */
  delayMs: number;
  /** Cap for exponential backoff, ms. */
  maxDelayMs?: number;
}

export interface TaskEnvelope {
  v: 1;
  /** The handler's name. */
  name: string;
  payload: unknown;
  maxAttempts: number;
  backoff: BackoffSpec;
  /** The whole task's deadline from its first post, ms; null for none. */
  timeoutMs: number | null;
  /** State a previous attempt stored; the next attempt starts from it. */
  checkpoint: unknown;
}

export interface TaskError {
  name: string;
  message: string;
  stack?: string;
}

export type TaskReply =
  | { v: 1; type: 'result'; taskId: string; attempt: number; result: unknown }
  | { v: 1; type: 'failure'; taskId: string; attempt: number; error: TaskError }
  | { v: 1; type: 'progress'; taskId: string; attempt: number; value: unknown }
  | { v: 1; type: 'cancelled'; taskId: string; attempt: number };

/** Message attribute naming the task, so tools can see it without parsing the body. */
export const TASK_ATTRIBUTE = 'spool.task';

/** The master's durable reply queue for a master name. */
export function replyQueueName(masterName: string): string {
  return `spool-replies-${masterName}`;
}

export function encodeEnvelope(envelope: TaskEnvelope): string {
  return JSON.stringify(envelope);
}

/** Parses a task message's body; a body that is not a task envelope throws INVALID_MESSAGE_BODY. */
export function decodeEnvelope(body: string): TaskEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new SpoolError('INVALID_MESSAGE_BODY', 'task message body is not JSON');
  }
  const e = value as Partial<TaskEnvelope> | null;
  if (!e || e.v !== 1 || typeof e.name !== 'string' || typeof e.maxAttempts !== 'number' || typeof e.backoff !== 'object' || e.backoff === null) {
    throw new SpoolError('INVALID_MESSAGE_BODY', 'task message body is not a task envelope (v1)');
  }
  return { v: 1, name: e.name, payload: e.payload, maxAttempts: e.maxAttempts, backoff: e.backoff, timeoutMs: e.timeoutMs ?? null, checkpoint: e.checkpoint ?? null };
}

export function encodeReply(reply: TaskReply): string {
  return JSON.stringify(reply);
}

/**
 * Parses a reply-queue message: a TaskReply, or a broker notice: a dead letter (as a failure), or
 * the end of a task cancelled while leased whose worker let it go (as `cancelled`).
 */
export function decodeReply(body: string, correlationId: string | null): TaskReply | null {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(body) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (value?.event === 'deadLetter' && correlationId) {
    return {
      v: 1,
      type: 'failure',
      taskId: correlationId,
      attempt: Number(value.dequeueCount) || 0,
      error: { name: 'DeadLetterError', message: `task was dead-lettered from ${String(value.queue)} (${String(value.reason)})` },
    };
  }
  if (value?.event === 'cancelled' && correlationId) {
    return { v: 1, type: 'cancelled', taskId: correlationId, attempt: Number(value.dequeueCount) || 0 };
  }
  if (value?.v !== 1 || typeof value.taskId !== 'string' || typeof value.type !== 'string') return null;
  return value as unknown as TaskReply;
}

export function toTaskError(err: unknown): TaskError {
  if (err instanceof Error) return { name: err.name, message: err.message, stack: err.stack };
  return { name: 'Error', message: String(err) };
}
