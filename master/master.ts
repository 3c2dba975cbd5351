/**
 * startMaster: posts tasks to a task queue and awaits their replies on a durable reply queue named
 * from the master's name (docs/tasks.md). The broker holds all state: a reply is acked only after
 * it is handled, so replies that arrive while no master runs wait on the queue, and a master
 * restarted with the same name collects them (orphanResult events, attach(), result()).
 *
 *   await using master = await startMaster({ url, queue: 'jobs', name: 'resizer' });
 *   const thumb = await master.run('resize', { path: 'a.png', width: 128 });
 *   const all = await master.map('resize', inputs, { concurrency: 20 });
 */
import { randomUUID } from 'node:crypto';
import { openConnection, type SpoolClient } from '../core/client/index.js';
import { LIMITS } from '../core/limits.js';
import type { CancelOutcome } from '../core/store/store.js';
import type { Delivery, Subscription } from '../core/client/index.js';
import { TASK_ATTRIBUTE, decodeReply, encodeEnvelope, type TaskReply } from '../core/tasks/envelope.js';
import { MasterClosedError, TaskCancelledError, TaskTimeoutError, toError } from './errors.js';
import { MasterEmitter } from './events.js';
import { mapTasks, streamTasks, type MapOptions, type Settled } from './map.js';
import { checkTaskName, resolveMasterOptions, resolveRunOptions, type MasterOptions, type ResolvedMasterOptions, type ResolvedRunOptions, type RunOptions } from './options.js';
import { PendingTask, PendingTasks, type TaskHandle } from './pending.js';

/** A task posted with enqueue(): nobody awaits its result. */
export interface EnqueuedTask {
  /** The task message's msgId; the worker's events name the task by it (its taskId). */
  readonly msgId: string;
}

export interface AttachOptions {
  /** The task message's msgId, so cancel() works on a task posted by an earlier incarnation. */
  msgId?: string;
  /** Reject with TaskTimeoutError after this long, ms. Default none. */
  timeoutMs?: number;
}

/** Starts a master: ensures the task and reply queues exist and subscribes to the reply queue. */
export async function startMaster(options: MasterOptions): Promise<Master> {
  const master = new Master(resolveMasterOptions(options));
  try {
    await master.start();
  } catch (err) {
    await master.close();
    throw err;
  }
  return master;
}

export class Master {
  readonly events = new MasterEmitter();
  readonly client: SpoolClient;
  private readonly ownsClient: boolean;
  private readonly tasks: PendingTasks;
  private subscription: Subscription | null = null;
  private pruneTimer: NodeJS.Timeout | null = null;
  private closing: Promise<void> | null = null;

  /** Use startMaster(). */
  constructor(readonly options: ResolvedMasterOptions) {
    const { client, owned } = openConnection(options.connection);
    this.client = client;
    this.ownsClient = owned;
    this.tasks = new PendingTasks(options.orphanRetentionMs, options.orphanMax);
    const on = options.on;
    if (on.progress) this.events.on('progress', on.progress);
    if (on.orphanResult) this.events.on('orphanResult', on.orphanResult);
    if (on.error) this.events.on('error', on.error);
  }

  get name(): string {
    return this.options.name;
  }

  /** The task queue. */
  get queue(): string {
    return this.options.queue;
  }

  get replyQueue(): string {
    return this.options.replyQueue;
  }

  /** Tasks awaiting a final reply. */
  get pending(): number {
    return this.tasks.size;
  }

  /** Final replies held for tasks nobody awaits yet. */
  get orphans(): number {
    return this.tasks.orphanCount;
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Called once by startMaster. */
  async start(): Promise<void> {
    await this.ensureQueue(this.queue);
    await this.ensureQueue(this.replyQueue);
    this.subscription = await this.client.subscribe(this.replyQueue, { prefetch: this.options.replyPrefetch }, (d) => this.onReply(d));
    const every = Math.min(60_000, Math.max(1000, this.options.orphanRetentionMs));
    this.pruneTimer = setInterval(() => this.tasks.pruneOrphans(Date.now()), every);
    this.pruneTimer.unref();
  }

  /** Posts a task and awaits its result. Rejects with TaskFailedError, TaskTimeoutError, TaskCancelledError or MasterClosedError. */
  async run<T = unknown>(name: string, payload: unknown, options: RunOptions = {}): Promise<T> {
    const handle = await this.submit<T>(name, payload, options);
    return handle.result;
  }

  /**
   * Posts a task; resolves with its handle once the task message is durable. The handle's timer
   * (timeoutMs) starts now. Rejects if the post fails (the task does not exist then).
   */
  async submit<T = unknown>(name: string, payload: unknown, options: RunOptions = {}): Promise<TaskHandle<T>> {
    const [handle] = await this.submitMany<T>(name, [payload], options);
    return handle!;
  }

  /**
   * Posts many tasks of one kind, with the same options, as batches of up to LIMITS.batchMax (16)
   * per frame and commit, all batches at once; resolves with their handles in input order once
   * every post is durable. If a batch fails, its tasks do not exist and the call rejects with the
   * first error; tasks of batches that were posted run anyway, and their results arrive as
   * `orphanResult` events.
   */
  async submitMany<T = unknown>(name: string, payloads: readonly unknown[], options: RunOptions = {}): Promise<TaskHandle<T>[]> {
    const { run, bodies } = this.encodePosts(name, payloads, options);
    return this.inBatches(bodies, (batch) => this.post<T>(name, batch, run));
  }

  /**
   * Posts a task whose result nobody awaits, as a BullMQ `add` does: it runs under the same attempt
   * policy, but names no reply queue, so its worker acks it when it ends and no reply is written or
   * pushed. A final failure is the worker's to report (its `failed` event and log, and the copy to
   * `<queue>-dlq`). Resolves with its msgId once the post is durable; the task carries no
   * correlationId, so the worker's events name it by that msgId too. `cancel()` does not know it
   * (it is no task this master awaits): `client.cancelMessage(queue, msgId)` cancels it.
   */
  async enqueue(name: string, payload: unknown, options: RunOptions = {}): Promise<EnqueuedTask> {
    const [task] = await this.enqueueMany(name, [payload], options);
    return task!;
  }

  /** enqueue for many tasks, batched as submitMany batches them. */
  async enqueueMany(name: string, payloads: readonly unknown[], options: RunOptions = {}): Promise<EnqueuedTask[]> {
    const { run, bodies } = this.encodePosts(name, payloads, options);
    return this.inBatches(bodies, async (batch) => {
      const msgIds = await this.sendTasks(name, batch, run, null);
      return msgIds.map((msgId) => ({ msgId }));
    });
  }

  /**
   * Checks a post's arguments and encodes every task, before any is sent: a payload JSON cannot
   * carry fails the call with nothing posted.
   */
  private encodePosts(name: string, payloads: readonly unknown[], options: RunOptions): { run: ResolvedRunOptions; bodies: string[] } {
    if (this.closed) throw new MasterClosedError(null);
    checkTaskName(name);
    if (!Array.isArray(payloads)) throw new TypeError('payloads must be an array');
    const run = resolveRunOptions(options, this.options.defaults);
    const bodies = payloads.map((payload) =>
      encodeEnvelope({ v: 1, name, payload, maxAttempts: run.maxAttempts, backoff: run.backoff, timeoutMs: run.timeoutMs, checkpoint: null }),
    );
    return { run, bodies };
  }

  /** Posts `bodies` in batches of LIMITS.batchMax, all at once; results in input order. */
  private async inBatches<R>(bodies: readonly string[], postBatch: (batch: string[]) => Promise<R[]>): Promise<R[]> {
    const batches: string[][] = [];
    for (let i = 0; i < bodies.length; i += LIMITS.batchMax) batches.push(bodies.slice(i, i + LIMITS.batchMax));
    const posted = await Promise.all(batches.map(postBatch));
    return posted.flat();
  }

  /** Posts one batch of awaited tasks: each is registered before the send (in process, its reply can come before the send resolves). */
  private async post<T>(name: string, bodies: string[], run: ResolvedRunOptions): Promise<PendingTask<T>[]> {
    const tasks = bodies.map(() => {
      const task = new PendingTask<T>(randomUUID(), null, (id) => this.cancel(id));
      this.tasks.add(task as PendingTask);
      if (run.timeoutMs !== null) task.setTimer(run.timeoutMs, () => this.timeOut(task as PendingTask, run.timeoutMs!));
      return task;
    });
    try {
      const msgIds = await this.sendTasks(name, bodies, run, { taskIds: tasks.map((task) => task.taskId), replyTo: this.replyQueue });
      tasks.forEach((task, i) => task.markPosted(msgIds[i]!));
    } catch (err) {
      for (const task of tasks) {
        task.markPosted(null);
        this.tasks.finish(task.taskId);
        task.reject(toError(err));
      }
      throw err;
    }
    return tasks;
  }

  /**
   * One frame and commit over the socket the master already holds for replies (cheaper than HTTP).
   * `awaited` gives each task its id and the reply queue, for tasks whose results this master awaits.
   */
  private sendTasks(name: string, bodies: string[], run: ResolvedRunOptions, awaited: { taskIds: string[]; replyTo: string } | null): Promise<string[]> {
    // One attributes object for the batch: it is only serialised (or copied by an embedded engine).
    const attributes = { [TASK_ATTRIBUTE]: name };
    const delaySeconds = Math.ceil(run.delayMs / 1000);
    const messages = bodies.map((body, i) => ({
      body,
      ...(awaited && { correlationId: awaited.taskIds[i]!, replyTo: awaited.replyTo }),
      priority: run.priority,
      delaySeconds,
      attributes,
    }));
    return this.client.sendBatchWs(this.queue, messages);
  }

  /**
   * A handle on a task by id, whoever posted it: this master's own handle, one settled from a held
   * orphan reply, or a new waiter for a reply still to come (a task an earlier incarnation posted).
   * Results are not kept after they settle: attaching to a task whose result this master already
   * delivered (or whose orphan reply expired) waits for a reply that will not come, hence timeoutMs.
   * An attach timeout only stops waiting; it does not cancel the task. After close(), attach does
   * not throw: a held orphan reply still settles the handle, else its result rejects with
   * MasterClosedError at once (a reply still to come waits on the reply queue for the next master
   * of this name), as the results of the tasks pending at close() do.
   */
  attach<T = unknown>(taskId: string, options: AttachOptions = {}): TaskHandle<T> {
    const known = this.tasks.get(taskId);
    if (known) return known as PendingTask<T>;
    const task = new PendingTask<T>(taskId, options.msgId ?? null, (id) => this.cancel(id));
    task.markPosted(options.msgId ?? null);
    const held = this.tasks.takeOrphan(taskId, Date.now());
    if (held) {
      this.tasks.finish(taskId);
      task.settleWith(held);
      return task;
    }
    if (this.closed) {
      task.reject(new MasterClosedError(taskId));
      return task;
    }
    this.tasks.add(task as PendingTask);
    if (options.timeoutMs !== undefined) task.setTimer(options.timeoutMs, () => this.timeOut(task as PendingTask, options.timeoutMs!, false));
    return task;
  }

  /**
   * The result of a task by id (see attach; after close() it rejects with MasterClosedError unless
   * a held orphan reply settles it). It never throws: every failure is a rejection.
   */
  result<T = unknown>(taskId: string, options: AttachOptions = {}): Promise<T> {
    return this.attach<T>(taskId, options).result;
  }

  /**
   * Cancels a task: 'removed' when no worker had it (its result rejects with TaskCancelledError at
   * once), 'running' when the worker holding it was told (the result rejects when its `cancelled`
   * reply comes, or resolves if it finished first), 'gone' when the task has already ended or is
   * unknown here. A task attached without a msgId cannot be cancelled (TypeError).
   */
  async cancel(taskId: string): Promise<CancelOutcome> {
    const task = this.tasks.get(taskId);
    if (!task) return 'gone';
    // A cancel right after submit waits for the post to be durable.
    const msgId = await task.whenPosted();
    if (task.settled) return 'gone';
    if (msgId === null) throw new TypeError(`task ${taskId} has no msgId here: attach it with { msgId } to cancel it`);
    const outcome = await this.client.cancelMessage(this.queue, msgId);
    if (outcome === 'removed') {
      this.tasks.finish(taskId);
      task.reject(new TaskCancelledError(taskId, 'removed'));
    }
    return outcome;
  }

  /**
   * Runs a task per payload with at most `concurrency` (default 10) in flight; resolves with the
   * results in input order. failFast (default true): the first failure rejects and the tasks in
   * flight are cancelled; failFast false: all run, then an AggregateError if any failed; settle
   * true: resolves with a Settled entry per payload instead.
   */
  map<T = unknown>(name: string, payloads: Iterable<unknown> | AsyncIterable<unknown>, options: MapOptions & { settle: true }): Promise<Settled<T>[]>;
  map<T = unknown>(name: string, payloads: Iterable<unknown> | AsyncIterable<unknown>, options?: MapOptions & { settle?: false }): Promise<T[]>;
  map<T = unknown>(name: string, payloads: Iterable<unknown> | AsyncIterable<unknown>, options: MapOptions = {}): Promise<T[] | Settled<T>[]> {
    return mapTasks<T>((payload, run) => this.submit<T>(name, payload, run), name, payloads, options);
  }

  /** Like map, yielding a Settled entry per payload in completion order; breaking out cancels the tasks in flight. */
  stream<T = unknown>(name: string, payloads: Iterable<unknown> | AsyncIterable<unknown>, options: Omit<MapOptions, 'failFast' | 'settle'> = {}): AsyncIterable<Settled<T>> {
    return streamTasks<T>((payload, run) => this.submit<T>(name, payload, run), name, payloads, options);
  }

  /**
   * Stops taking replies and rejects the pending tasks with MasterClosedError; their replies stay
   * on the reply queue for the next master of this name. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private async shutdown(): Promise<void> {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.step(() => this.subscription?.close());
    for (const task of this.tasks.drainAll()) task.reject(new MasterClosedError(task.taskId));
    if (this.ownsClient) await this.step(() => this.client.close());
  }

  private async step(fn: () => unknown): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.events.fire('error', { error: toError(err) });
    }
  }

  private async ensureQueue(queue: string): Promise<void> {
    try {
      await this.client.getQueue(queue);
      return;
    } catch (err) {
      if (codeOf(err) !== 'QUEUE_NOT_FOUND') throw err;
    }
    try {
      await this.client.createQueue(queue);
    } catch (err) {
      // Someone else created it in between: fine.
      if (codeOf(err) !== 'QUEUE_EXISTS') throw err;
    }
  }

  /** The deadline passed: reject now, and (for a task posted here) cancel it so it does not run, or stops, for nothing. */
  private timeOut(task: PendingTask, timeoutMs: number, cancel = true): void {
    if (task.settled) return;
    this.tasks.finish(task.taskId);
    task.reject(new TaskTimeoutError(task.taskId, timeoutMs));
    if (cancel && task.msgId !== null && !this.closed) {
      this.client.cancelMessage(this.queue, task.msgId).catch((err: unknown) => this.events.fire('error', { error: toError(err), taskId: task.taskId }));
    }
  }

  /** Handles one reply, then acks it: a crash before the ack gets it redelivered to the next incarnation. */
  private async onReply(delivery: Delivery): Promise<void> {
    const reply = decodeReply(delivery.body, delivery.correlationId);
    if (reply) this.handleReply(reply);
    else this.events.fire('error', { error: new Error(`message ${delivery.msgId} on ${this.replyQueue} is not a task reply; dropped`) });
    try {
      await delivery.ack();
    } catch (err) {
      // The lease was lost: the reply comes again and is then recognised as a duplicate.
      this.events.fire('error', { error: toError(err), taskId: reply?.taskId });
    }
  }

  private handleReply(reply: TaskReply): void {
    const task = this.tasks.get(reply.taskId);
    if (reply.type === 'progress') {
      const progress = { taskId: reply.taskId, attempt: reply.attempt, value: reply.value };
      task?.progress(progress);
      this.events.fire('progress', progress);
      return;
    }
    if (task) {
      this.tasks.finish(reply.taskId);
      task.settleWith(reply);
      return;
    }
    // A duplicate, or a reply after a timeout or cancel: already settled here.
    if (this.tasks.wasFinished(reply.taskId)) return;
    this.tasks.holdOrphan(reply, Date.now());
    this.events.fire('orphanResult', { taskId: reply.taskId, reply });
  }
}

function codeOf(err: unknown): unknown {
  return typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
}
