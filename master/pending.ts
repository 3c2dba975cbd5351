/**
 * The master's bookkeeping of tasks by id: the tasks awaiting a final reply (each a PendingTask,
 * which is also the handle users hold), the final replies that came for ids nobody awaits yet
 * (orphans: typically tasks a previous incarnation posted), and the ids recently finished, so a
 * redelivered or late reply (after a timeout, a cancel) is recognised and dropped.
 */
import type { CancelOutcome } from '../core/store/store.js';
import type { TaskReply } from '../core/tasks/envelope.js';
import { TaskCancelledError, TaskFailedError } from './errors.js';

export type FinalReply = Exclude<TaskReply, { type: 'progress' }>;

export interface TaskProgress {
  taskId: string;
  attempt: number;
  value: unknown;
}

/** A posted (or attached) task. `result` never causes an unhandled rejection if nobody awaits it. */
export interface TaskHandle<T = unknown> {
  readonly taskId: string;
  /** The task message's msgId; null for a task attached without one. */
  readonly msgId: string | null;
  /** Resolves with the worker's result; rejects with TaskFailedError, TaskTimeoutError, TaskCancelledError or MasterClosedError. */
  readonly result: Promise<T>;
  /** True once `result` has settled. */
  readonly settled: boolean;
  /** Progress reports from the worker (a listener that throws is ignored). */
  on(event: 'progress', listener: (progress: TaskProgress) => void): this;
  off(event: 'progress', listener: (progress: TaskProgress) => void): this;
  /** Cancels the task (see Master.cancel). */
  cancel(): Promise<CancelOutcome>;
}

export class PendingTask<T = unknown> implements TaskHandle<T> {
  readonly result: Promise<T>;
  msgId: string | null;
  /** The post's outcome once known (see whenPosted); undefined while it is in flight. */
  private postedAs: string | null | undefined = undefined;
  // Made when someone waits for the post (a cancel): most tasks never need it.
  private posted: Promise<string | null> | null = null;
  private resolvePosted: ((msgId: string | null) => void) | null = null;
  private resolveResult!: (value: T) => void;
  private rejectResult!: (error: Error) => void;
  // Made on the first listener: most tasks have none, and a master may hold tens of thousands.
  private listeners: Set<(progress: TaskProgress) => void> | null = null;
  private done = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    readonly taskId: string,
    msgId: string | null,
    private readonly canceller: (taskId: string) => Promise<CancelOutcome>,
  ) {
    this.msgId = msgId;
    this.result = new Promise<T>((resolve, reject) => {
      this.resolveResult = resolve;
      this.rejectResult = reject;
    });
    // Marks the promise handled: a caller that submits and never awaits must not crash the process.
    this.result.catch(() => {});
  }

  get settled(): boolean {
    return this.done;
  }

  /** Resolves with the msgId once the post is durable (null if it failed, or for a task attached without one). */
  whenPosted(): Promise<string | null> {
    if (this.postedAs !== undefined) return Promise.resolve(this.postedAs);
    return (this.posted ??= new Promise((resolve) => (this.resolvePosted = resolve)));
  }

  /** The post is durable (msgId) or failed (null). Called once; attach() calls it at once. */
  markPosted(msgId: string | null): void {
    if (msgId !== null) this.msgId = msgId;
    this.postedAs = msgId;
    this.resolvePosted?.(msgId);
  }

  on(_event: 'progress', listener: (progress: TaskProgress) => void): this {
    (this.listeners ??= new Set()).add(listener);
    return this;
  }

  off(_event: 'progress', listener: (progress: TaskProgress) => void): this {
    this.listeners?.delete(listener);
    return this;
  }

  cancel(): Promise<CancelOutcome> {
    return this.canceller(this.taskId);
  }

  /** Arms the deadline; `onTimeout` rejects the task through the registry. */
  setTimer(ms: number, onTimeout: () => void): void {
    this.timer = setTimeout(onTimeout, ms);
  }

  progress(progress: TaskProgress): void {
    if (!this.listeners) return;
    for (const listener of [...this.listeners]) {
      try {
        listener(progress);
      } catch {
        // A listener cannot break reply handling.
      }
    }
  }

  /** Settles with a final reply: result → value; failure → TaskFailedError; cancelled → TaskCancelledError. */
  settleWith(reply: FinalReply): void {
    if (reply.type === 'result') this.resolve(reply.result as T);
    else if (reply.type === 'failure') this.reject(new TaskFailedError(this.taskId, reply.error, reply.attempt));
    else this.reject(new TaskCancelledError(this.taskId, 'running'));
  }

  resolve(value: T): void {
    if (this.finish()) this.resolveResult(value);
  }

  reject(error: Error): void {
    if (this.finish()) this.rejectResult(error);
  }

  private finish(): boolean {
    if (this.done) return false;
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.listeners = null;
    return true;
  }
}

/** How many finished ids are remembered to recognise duplicate and late replies. */
const FINISHED_MAX = 100_000;

export class PendingTasks {
  private readonly tasks = new Map<string, PendingTask>();
  private readonly orphans = new Map<string, { reply: FinalReply; at: number }>();
  private readonly finished = new Set<string>();

  constructor(
    private readonly orphanRetentionMs: number,
    private readonly orphanMax: number,
  ) {}

  get size(): number {
    return this.tasks.size;
  }

  get orphanCount(): number {
    return this.orphans.size;
  }

  get(taskId: string): PendingTask | undefined {
    return this.tasks.get(taskId);
  }

  add(task: PendingTask): void {
    this.tasks.set(task.taskId, task);
  }

  /** Removes a task that has settled (or is about to) and remembers its id. */
  finish(taskId: string): void {
    this.tasks.delete(taskId);
    this.finished.add(taskId);
    if (this.finished.size > FINISHED_MAX) this.finished.delete(this.finished.values().next().value!);
  }

  wasFinished(taskId: string): boolean {
    return this.finished.has(taskId);
  }

  /** Holds a final reply nobody awaits; false if retention is 0 (the caller only emits it). */
  holdOrphan(reply: FinalReply, now: number): boolean {
    this.pruneOrphans(now);
    if (this.orphanMax === 0 || this.orphanRetentionMs === 0) return false;
    this.orphans.delete(reply.taskId);
    this.orphans.set(reply.taskId, { reply, at: now });
    if (this.orphans.size > this.orphanMax) this.orphans.delete(this.orphans.keys().next().value!);
    return true;
  }

  takeOrphan(taskId: string, now: number): FinalReply | undefined {
    this.pruneOrphans(now);
    const held = this.orphans.get(taskId);
    if (held) this.orphans.delete(taskId);
    return held?.reply;
  }

  /** Orphans are held in arrival order, so expired ones are at the front. */
  pruneOrphans(now: number): void {
    for (const [taskId, held] of this.orphans) {
      if (now - held.at < this.orphanRetentionMs) break;
      this.orphans.delete(taskId);
    }
  }

  /** Takes every pending task out (close()). */
  drainAll(): PendingTask[] {
    const all = [...this.tasks.values()];
    for (const task of all) this.finish(task.taskId);
    return all;
  }
}
