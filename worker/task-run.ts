/**
 * One task's execution on one delivery: decode the envelope, run the handler with its context and
 * a heartbeat, then settle exactly once: complete with a result, release for a retry, or complete
 * with a final failure (docs/tasks.md). A lost lease discards the outcome: the broker fences the
 * stale receipt anyway, and another worker owns the task now.
 */
import { SpoolError } from '../core/errors.js';
import type { Delivery, SpoolClient } from '../core/client/index.js';
import { decodeEnvelope, encodeEnvelope, encodeReply, toTaskError, type TaskEnvelope, type TaskReply } from '../core/tasks/envelope.js';
import { backoffDelayMs, type BackoffPolicy } from './backoff.js';
import { LeaseLostError, TaskCancelledError, TaskTimeoutError, UnrecoverableError, WorkerShutdownError, toError } from './errors.js';
import type { FailureReason, TaskEventBase, WorkerEmitter } from './events.js';
import type { Heartbeat, Heartbeats } from './heartbeat.js';
import type { TaskContext, TaskHandlers, WorkerLogger } from './options.js';
import { RunContext, type ContextHost } from './task-context.js';

export interface TaskRunDeps {
  client: SpoolClient;
  queue: string;
  handlers: TaskHandlers;
  backoff: Record<string, BackoffPolicy>;
  leaseMs: number;
  log: WorkerLogger;
  events: WorkerEmitter;
  /** The worker's heartbeats, every leaseMs / 2. */
  heartbeats: Heartbeats;
  /** Once per run, when the handler has returned (or will not run): settling is not handling. Gets how long the handler took, ms, or null when none ran. */
  handlerReturned(handlerMs: number | null): void;
  /** Once per run, when it is over (settled, or given up). */
  ended(run: TaskRun): void;
}

export type TaskOutcome = 'completed' | 'failed' | 'retried' | 'cancelled' | 'lost' | 'released';

/** Suffix of the queue a finally failed task's envelope is copied to, when that queue exists. */
export const DLQ_SUFFIX = '-dlq';

export class TaskRun implements ContextHost {
  readonly taskId: string;
  readonly attempt: number;
  /** Why the handler's signal fired, or fires when first looked at: cancel, timeout, lost lease, shutdown. */
  private abortReason: Error | null = null;
  /** The handler's signal, made when the handler first looks: most never do, and one costs microseconds. */
  private controller: AbortController | null = null;
  /** Set while the handler runs with its signal tied to the delivery's cancel. */
  private untieStop: (() => void) | null = null;
  private handlerEnded = false;
  private readonly leaseSeconds: number;
  private readonly started = Date.now();
  private envelope: TaskEnvelope | null = null;
  private heartbeat: Heartbeat | null = null;
  private pendingProgress: { value: unknown } | null = null;
  private pendingCheckpoint: { state: unknown } | null = null;
  private lostError: Error | null = null;
  private abandoned = false;
  private slotFreed = false;

  constructor(
    readonly delivery: Delivery,
    private readonly deps: TaskRunDeps,
  ) {
    this.taskId = delivery.correlationId ?? delivery.msgId;
    this.attempt = delivery.dequeueCount;
    this.leaseSeconds = Math.ceil(deps.leaseMs / 1000);
  }

  private get base(): TaskEventBase {
    return { taskId: this.taskId, name: this.envelope?.name ?? '?', attempt: this.attempt, msgId: this.delivery.msgId };
  }

  private get fields(): Record<string, unknown> {
    return { taskId: this.taskId, task: this.envelope?.name, attempt: this.attempt, msgId: this.delivery.msgId };
  }

  /** Runs the task to its outcome. Never throws. */
  async run(): Promise<TaskOutcome> {
    try {
      return await this.execute();
    } catch (err) {
      // A bug or an unexpected broker error: give the task back rather than lose it.
      const error = toError(err);
      this.deps.events.fire('error', { error, taskId: this.taskId });
      this.deps.log.error(`task run failed: ${error.message}`, this.fields);
      if (!this.delivery.settled) await this.delivery.release(0).catch(() => {});
      return 'released';
    } finally {
      this.handlerDone(null);
      this.deps.ended(this);
    }
  }

  private handlerDone(handlerMs: number | null): void {
    if (this.slotFreed) return;
    this.slotFreed = true;
    this.deps.handlerReturned(handlerMs);
  }

  /**
   * close() ran out of patience: fire the signal (WorkerShutdownError) and stop the heartbeat.
   * Whatever the handler does later is discarded; the worker then gives the task back (release()).
   */
  async abandon(): Promise<void> {
    if (this.abandoned) return;
    this.abandoned = true;
    this.abort(new WorkerShutdownError(`the worker closed before the task finished`));
    await this.heartbeat?.stop();
  }

  /** After abandon(): releases the lease if the subscription's close did not already, so another worker takes the task at once. */
  async release(): Promise<void> {
    if (!this.delivery.settled) {
      await this.delivery.release(0).catch((err: unknown) => this.deps.log.warn(`release on shutdown failed: ${toError(err).message}`, this.fields));
    }
    this.deps.events.fire('released', this.base);
  }

  private async execute(): Promise<TaskOutcome> {
    try {
      this.envelope = decodeEnvelope(this.delivery.body);
    } catch (err) {
      return this.rejectBody(toError(err));
    }
    const envelope = this.envelope;
    const handler = Object.hasOwn(this.deps.handlers, envelope.name) ? this.deps.handlers[envelope.name] : undefined;
    if (!handler) return this.fail(new UnrecoverableError(`no handler for task "${envelope.name}" on queue ${this.deps.queue}`), 'unknown-task');

    if (this.delivery.cancelled) return this.cancelled();
    // Every delivery is an attempt, also one that ended unsettled (its worker died, or lost the
    // lease): past maxAttempts the task fails without running again.
    if (this.attempt > envelope.maxAttempts) {
      const error = new Error(`attempt ${this.attempt} of ${envelope.maxAttempts}: an earlier attempt ended without settling (its worker died or lost the lease), and none are left`);
      return this.fail(error, 'attempts-exhausted');
    }

    let timer: NodeJS.Timeout | null = null;
    if (envelope.timeoutMs !== null) {
      // The deadline counts from the task's first post, the message's enqueue time (the broker's
      // clock: a worker whose clock is off by more than a little misjudges it by that much).
      const remaining = this.delivery.enqueueTime + envelope.timeoutMs - Date.now();
      const timeout = new TaskTimeoutError(this.taskId, envelope.timeoutMs);
      if (remaining <= 0) return this.fail(timeout, 'timeout');
      timer = setTimeout(() => this.abort(timeout), remaining);
    }

    this.heartbeat = this.deps.heartbeats.start(() => this.beat());
    // Most workers listen to no per-task event: then none is built.
    if (this.deps.events.listenerCount('started') > 0) this.deps.events.fire('started', this.base);

    let result: unknown;
    let error: Error | null = null;
    const handlerStarted = performance.now();
    let handlerMs = 0;
    try {
      result = handler(envelope.payload, this.context(envelope));
      // Only a promise is awaited: awaiting a plain value would count, as the handler's time,
      // whatever else the event loop runs first (other tasks' turns, on a busy machine tens of ms).
      if (isPromiseLike(result)) result = await result;
    } catch (err) {
      error = toError(err);
    } finally {
      handlerMs = performance.now() - handlerStarted;
      if (timer) clearTimeout(timer);
      this.handlerEnded = true;
      this.untieStop?.();
      // A cancel the handler never looked for still decides the outcome of a throw.
      if (this.delivery.cancelled) this.abort(new TaskCancelledError(this.taskId, 'running'));
      const beating = this.heartbeat.stop();
      if (beating) await beating;
      this.handlerDone(handlerMs);
    }

    if (this.abandoned) return 'released';
    // Lost while the handler ran without looking at its signal.
    if (!this.lostError && this.delivery.settled && !this.delivery.cancelled) this.stopReason();
    if (this.lostError) return this.lost(this.lostError);
    // A handler that returns despite a cancel or timeout finished its work: its result stands.
    if (error === null) return this.complete(result);
    const reason = this.abortReason;
    if (reason instanceof TaskCancelledError) return this.cancelled();
    if (reason instanceof TaskTimeoutError) return this.fail(reason, 'timeout');
    if (error instanceof UnrecoverableError) return this.fail(error, 'unrecoverable');
    if (this.attempt >= envelope.maxAttempts) return this.fail(error, 'attempts-exhausted');
    return this.retry(error);
  }

  private context(envelope: TaskEnvelope): TaskContext {
    return new RunContext(this, this.taskId, envelope.name, this.attempt, envelope.maxAttempts, envelope.checkpoint);
  }

  // ---- for RunContext (task-context.ts) ----

  get log(): WorkerLogger {
    return this.deps.log;
  }

  logFields(): Record<string, unknown> {
    return this.fields;
  }

  reportProgress(value: unknown): void {
    checkJson('progress', value);
    this.pendingProgress = { value };
  }

  storeCheckpoint(state: unknown): void {
    checkJson('checkpoint', state);
    this.pendingCheckpoint = { state };
  }

  get handlerSignal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      const stop = this.delivery.signal;
      if (!this.abortReason && stop.aborted) this.abortReason = this.stopReason();
      if (this.abortReason) this.controller.abort(this.abortReason);
      else if (!this.handlerEnded) {
        const onStop = () => this.abort(this.stopReason());
        stop.addEventListener('abort', onStop, { once: true });
        this.untieStop = () => stop.removeEventListener('abort', onStop);
      }
    }
    return this.controller.signal;
  }

  /** Why the delivery's signal fired: a cancel, or the lease gone with a dropped connection. */
  private stopReason(): Error {
    if (this.delivery.cancelled) return new TaskCancelledError(this.taskId, 'running');
    const { reason } = this.delivery.signal;
    this.lostError ??= new LeaseLostError(`the task lease was lost: ${toError(reason).message}`, { cause: reason });
    return this.lostError;
  }

  private abort(reason: Error): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
  }

  /** One heartbeat: extend the lease (carrying a pending checkpoint), then send the latest progress. */
  private async beat(): Promise<void> {
    if (this.delivery.settled || this.lostError || this.abandoned) return;
    const stored = await this.extend();
    if (!stored) return;
    const progress = this.pendingProgress;
    this.pendingProgress = null;
    if (progress && this.delivery.replyTo) {
      await this.reply({ v: 1, type: 'progress', taskId: this.taskId, attempt: this.attempt, value: progress.value }).catch((err: unknown) => {
        this.deps.events.fire('error', { error: toError(err), taskId: this.taskId });
      });
    }
  }

  /** Extends the lease, storing a pending checkpoint with it; false if the lease is gone or the extension failed. */
  private async extend(): Promise<boolean> {
    const checkpoint = this.pendingCheckpoint;
    this.pendingCheckpoint = null;
    const envelope = checkpoint && this.envelope ? { ...this.envelope, checkpoint: checkpoint.state } : null;
    try {
      await this.delivery.extend(this.leaseSeconds, envelope ? { body: encodeEnvelope(envelope) } : {});
      if (envelope) this.envelope = envelope;
      return true;
    } catch (err) {
      const error = toError(err);
      if (this.delivery.settled) {
        // The lease is not ours any more (RECEIPT_HANDLE_STALE, or the connection dropped).
        this.lostError = new LeaseLostError(`the task lease was lost: ${error.message}`, { cause: error });
        this.abort(this.lostError);
      } else {
        // A transient failure: keep the checkpoint for the next beat unless a newer one came.
        if (checkpoint && !this.pendingCheckpoint) this.pendingCheckpoint = checkpoint;
        this.deps.events.fire('error', { error, taskId: this.taskId });
        this.deps.log.warn(`heartbeat failed: ${error.message}`, this.fields);
      }
      return false;
    }
  }

  private reply(reply: TaskReply): Promise<string> {
    return this.deps.client.send(this.delivery.replyTo!, { body: encodeReply(reply), correlationId: this.taskId });
  }

  private get elapsed(): number {
    return Date.now() - this.started;
  }

  /**
   * Ends the task with `reply`: complete (ack + reply in one commit), or ack when there is no
   * replyTo. A reply queue that no longer exists (its master is gone for good, as `spool run`'s
   * after it exits) has nobody to read the reply: ack, and say the reply was dropped. Kept leased,
   * the task would run again at every lease expiry.
   */
  private async answer(reply: TaskReply): Promise<void> {
    const replyTo = this.delivery.replyTo;
    if (!replyTo) return this.delivery.ack();
    try {
      await this.delivery.complete({ queue: replyTo, body: encodeReply(reply), correlationId: this.taskId });
    } catch (err) {
      if (!(err instanceof SpoolError && err.code === 'REPLY_QUEUE_NOT_FOUND')) throw err;
      this.deps.log.warn(`reply queue ${replyTo} does not exist: ${reply.type} reply dropped`, this.fields);
      await this.delivery.ack();
    }
  }

  /** Runs a settling verb; a lease found gone turns into 'lost'. */
  private async settle(verb: () => Promise<unknown>, outcome: TaskOutcome): Promise<TaskOutcome> {
    try {
      await verb();
      return outcome;
    } catch (err) {
      if (this.delivery.settled) return this.lost(toError(err));
      throw err;
    }
  }

  private async complete(result: unknown): Promise<TaskOutcome> {
    let outcome: TaskOutcome;
    try {
      outcome = await this.settle(() => this.answer({ v: 1, type: 'result', taskId: this.taskId, attempt: this.attempt, result: result ?? null }), 'completed');
    } catch (err) {
      // The reply itself was refused (too large, not JSON): a final failure the master can see.
      return this.fail(toError(err), 'reply-rejected');
    }
    if (outcome === 'completed' && this.deps.events.listenerCount('completed') > 0) {
      this.deps.events.fire('completed', { ...this.base, durationMs: this.elapsed, result });
    }
    return outcome;
  }

  private async retry(error: Error): Promise<TaskOutcome> {
    const envelope = this.envelope!;
    const policy = this.deps.backoff[envelope.name] ?? envelope.backoff;
    const delayMs = backoffDelayMs(policy, this.attempt, error);
    // A checkpoint not yet stored goes with one last extension, so the next attempt starts from it.
    if (this.pendingCheckpoint && !(await this.extend()) && this.lostError) return this.lost(this.lostError);
    const outcome = await this.settle(() => this.delivery.release(delayMs / 1000), 'retried');
    if (outcome === 'retried') this.deps.events.fire('retried', { ...this.base, durationMs: this.elapsed, error, delayMs });
    return outcome;
  }

  private async cancelled(): Promise<TaskOutcome> {
    const outcome = await this.settle(() => this.answer({ v: 1, type: 'cancelled', taskId: this.taskId, attempt: this.attempt }), 'cancelled');
    if (outcome === 'cancelled') this.deps.events.fire('cancelled', { ...this.base, durationMs: this.elapsed });
    return outcome;
  }

  /**
   * A final failure: complete with a `failure` reply (ack when there is no replyTo), then copy the
   * envelope to `<queue>-dlq` if that queue exists. The copy is a second step, not atomic with the
   * reply: a crash between them leaves the failure reported and no copy.
   */
  private async fail(error: Error, reason: FailureReason): Promise<TaskOutcome> {
    const outcome = await this.settle(() => this.answer({ v: 1, type: 'failure', taskId: this.taskId, attempt: this.attempt, error: toTaskError(error) }), 'failed');
    if (outcome !== 'failed') return outcome;
    await this.copyToDeadLetterQueue(error);
    this.deps.log.warn(`task failed for good (${reason}): ${error.message}`, this.fields);
    this.deps.events.fire('failed', { ...this.base, durationMs: this.elapsed, error, reason });
    return 'failed';
  }

  private async copyToDeadLetterQueue(error: Error): Promise<void> {
    const body = this.envelope ? encodeEnvelope(this.envelope) : this.delivery.body;
    try {
      await this.deps.client.send(this.deps.queue + DLQ_SUFFIX, {
        body,
        correlationId: this.taskId,
        ...(this.delivery.replyTo ? { replyTo: this.delivery.replyTo } : {}),
        attributes: this.delivery.attributes,
      });
    } catch (err) {
      if (err instanceof SpoolError && err.code === 'QUEUE_NOT_FOUND') return;
      this.deps.events.fire('error', { error: toError(err), taskId: this.taskId });
      this.deps.log.warn(`copy to ${this.deps.queue}${DLQ_SUFFIX} failed after: ${error.message}`, this.fields);
    }
  }

  /** A body that is not a task envelope: a failure reply if it names a replyTo, else ack and log. */
  private async rejectBody(error: Error): Promise<TaskOutcome> {
    this.deps.log.error(`message ${this.delivery.msgId} is not a task: ${error.message}`, this.fields);
    if (this.delivery.replyTo) return this.fail(error, 'invalid-body');
    const outcome = await this.settle(() => this.delivery.ack(), 'failed');
    if (outcome === 'failed') this.deps.events.fire('failed', { ...this.base, durationMs: this.elapsed, error, reason: 'invalid-body' });
    return outcome;
  }

  private lost(error: Error): TaskOutcome {
    this.deps.log.warn(`lease lost, outcome discarded: ${error.message}`, this.fields);
    this.deps.events.fire('lost', { ...this.base, durationMs: this.elapsed, error });
    return 'lost';
  }
}

/** Progress and checkpoints travel as JSON: one that cannot (a BigInt, a cycle) fails where it is made, not in a heartbeat. */
function checkJson(what: string, value: unknown): void {
  try {
    JSON.stringify(value);
  } catch (err) {
    throw new TypeError(`the ${what} must be JSON-serialisable: ${toError(err).message}`);
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}
