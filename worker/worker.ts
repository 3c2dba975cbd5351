/**
 * startWorker: leases tasks from a queue by push and runs each with its handler (task-run.ts), at
 * most `concurrency` at once.
 *
 *   await using worker = await startWorker({ url, queue: 'tasks', concurrency: 8, handlers: {
 *     resize: async (payload, ctx) => resize(payload, { signal: ctx.signal }),
 *   } });
 *
 * Reassignment needs nothing from the worker: the broker releases a closed connection's leases at
 * once and a hung worker's when its lease (leaseMs) runs out without a heartbeat.
 *
 * A slot frees when a handler returns: its completion commits while the next task runs. While
 * handlers are short the worker also holds tasks beyond `concurrency`, ready for the next free slot
 * (lookahead.ts).
 *
 * A handler's signal is cooperative: after a lost lease the handler may keep running until it
 * returns (its outcome is discarded), and meanwhile the freed slot can take a new task, so
 * `running` may briefly exceed `concurrency`.
 */
import { openConnection, PREFETCH_MAX, type SpoolClient, type Delivery, type Subscription } from '../core/client/index.js';
import { toError } from './errors.js';
import { WorkerEmitter, type WorkerEvents } from './events.js';
import { Lookahead } from './lookahead.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './options.js';
import { Heartbeats } from './heartbeat.js';
import { TaskRun, type TaskOutcome, type TaskRunDeps } from './task-run.js';
import type { TypedEmitter } from '../core/client/index.js';

export interface Worker {
  readonly queue: string;
  /** Typed events: started, completed, failed, retried, cancelled, lost, released, error. */
  readonly events: TypedEmitter<WorkerEvents>;
  /** Handlers running now. */
  readonly running: number;
  /**
   * Graceful: takes no new tasks, waits up to shutdownTimeoutMs for running handlers, then fires
   * their signals (WorkerShutdownError) and releases their tasks; then unsubscribes and closes the
   * client it opened. Idempotent.
   */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Resolves once subscribed (rejects with QUEUE_NOT_FOUND, a connection error, or a TypeError naming a bad option). */
export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const worker = new TaskWorker(resolveWorkerOptions(options));
  try {
    await worker.start();
  } catch (err) {
    await worker.close();
    throw err;
  }
  return worker;
}

class TaskWorker implements Worker {
  readonly events = new WorkerEmitter();
  private readonly client: SpoolClient;
  private readonly ownsClient: boolean;
  /** Every task from its start until it is settled with the broker. */
  private readonly runs = new Map<TaskRun, Promise<TaskOutcome>>();
  /** Handlers running now (a task's slot frees when its handler returns, before it is settled). */
  private handling = 0;
  /** Set while startHeld runs: see there. */
  private startingHeld = false;
  /** Tasks held for the next free slot, with when they arrived. */
  private readonly held: { delivery: Delivery; since: number }[] = [];
  private readonly lookahead: Lookahead;
  /** What every task run shares: one object for all of them. */
  private readonly runDeps: TaskRunDeps;
  private subscription: Subscription | null = null;
  private closing: Promise<void> | null = null;
  private watchdog: IdleWatchdog | null = null;
  private forwardError = ({ error, queue }: { error: Error; queue?: string }) => {
    if (queue === undefined || queue === this.options.queue) this.events.fire('error', { error });
  };

  constructor(private readonly options: ResolvedWorkerOptions) {
    const { client, owned } = openConnection(options.connection);
    this.client = client;
    this.ownsClient = owned;
    this.lookahead = new Lookahead(options.concurrency);
    const { queue, handlers, backoff, leaseMs, log } = options;
    this.runDeps = {
      client: this.client,
      queue,
      handlers,
      backoff,
      leaseMs,
      log,
      events: this.events,
      heartbeats: new Heartbeats({ intervalMs: leaseMs / 2 }),
      handlerReturned: (handlerMs) => {
        this.handling--;
        this.handlerReturned(handlerMs);
      },
      ended: (run) => {
        this.runs.delete(run);
        this.watchdog?.sawDelivery();
      },
    };
  }

  get queue(): string {
    return this.options.queue;
  }

  get running(): number {
    return this.handling;
  }

  async start(): Promise<void> {
    this.client.events.on('error', this.forwardError);
    // Over HTTP first: an unreachable broker or a missing queue fails the start at once, where a
    // subscription would keep reconnecting in the background.
    await this.client.getQueue(this.options.queue);
    await this.subscribe();
    if (this.options.idleCheckMs > 0) {
      this.watchdog = new IdleWatchdog(this.options.idleCheckMs, () => this.checkIdle(), (error) => this.events.fire('error', { error }));
      this.watchdog.start();
    }
  }

  close(): Promise<void> {
    return (this.closing ??= this.shutdown());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private get prefetch(): number {
    return Math.min(PREFETCH_MAX, this.options.concurrency + this.lookahead.extra);
  }

  private async subscribe(): Promise<void> {
    const { queue, leaseMs } = this.options;
    const prefetch = this.prefetch;
    this.subscription = await this.client.subscribe(queue, { prefetch, visibilityTimeout: Math.ceil(leaseMs / 1000) }, (delivery) => this.onDelivery(delivery));
    // Tasks pushed with the subscription's answer ran before it was ours: a lookahead change they
    // caused could not reach it then.
    if (this.prefetch !== prefetch) await this.subscription.setPrefetch(this.prefetch);
  }

  private onDelivery(delivery: Delivery): void {
    this.watchdog?.sawDelivery();
    if (this.closing) {
      // Pushed while closing: give it straight back for another worker.
      this.giveBack(delivery);
      return;
    }
    if (this.handling >= this.options.concurrency) this.held.push({ delivery, since: Date.now() });
    else this.runTask(delivery);
  }

  private runTask(delivery: Delivery): void {
    this.handling++;
    const run = new TaskRun(delivery, this.runDeps);
    this.runs.set(run, run.run());
  }

  /** A slot is free: start a held task, and adjust the lookahead to how long handlers take. */
  private handlerReturned(handlerMs: number | null): void {
    const resized = handlerMs !== null && this.lookahead.record(handlerMs) && !this.closing;
    if (resized) this.subscription?.setPrefetch(this.prefetch).catch((err: unknown) => this.events.fire('error', { error: toError(err) }));
    this.startHeld();
    // Handlers got long (lookahead off): held tasks would wait behind them while other workers
    // could run them. A mere re-size keeps what it holds: wall-clock durations swing with the
    // machine's load, and giving back on every swing cost a release and a redelivery per task
    // (~2,300 of a 10,000-task drain on PostgreSQL).
    if (resized && this.lookahead.extra === 0) for (const { delivery } of this.held.splice(0)) this.giveBack(delivery);
  }

  /**
   * Starts held tasks while slots are free. A handler that returns at once frees its slot within
   * runTask, which comes back here: that nested call leaves the work to this loop, or the stack
   * would grow by a few frames per held task (up to 1024 of them).
   */
  private startHeld(): void {
    if (this.startingHeld) return;
    this.startingHeld = true;
    try {
      // A task held so long that a good part of its lease is gone goes back rather than start late.
      const stale = Date.now() - this.options.leaseMs / 4;
      while (this.held.length > 0 && this.handling < this.options.concurrency && !this.closing) {
        const { delivery, since } = this.held.shift()!;
        if (since < stale) this.giveBack(delivery);
        else this.runTask(delivery);
      }
    } finally {
      this.startingHeld = false;
    }
  }

  /** A task this worker never started goes back uncounted: holding it used up none of its attempts. */
  private giveBack(delivery: Delivery): void {
    delivery.requeue().catch(() => {});
  }

  /**
   * The watchdog's check: idle (nothing running, nothing held), yet the queue reports ready tasks.
   * Twice in a row means pushes are not reaching this worker (a lost subscription the connection
   * never noticed): close the subscription and open a new one.
   */
  private async checkIdle(): Promise<'idle' | 'busy' | 'resubscribed'> {
    if (this.closing || this.runs.size > 0 || this.held.length > 0 || (this.subscription?.inFlight ?? 0) > 0) return 'busy';
    const { stats } = await this.client.getQueue(this.options.queue);
    if (stats.activeMsgNum === 0) return 'busy';
    if (!this.watchdog?.secondStrike()) return 'idle';
    this.options.log.warn(`queue ${this.options.queue} has ${stats.activeMsgNum} ready tasks but none arrive: resubscribing`);
    const old = this.subscription;
    this.subscription = null;
    await old?.close().catch(() => {});
    if (this.closing) return 'busy';
    await this.subscribe();
    return 'resubscribed';
  }

  private async shutdown(): Promise<void> {
    await this.watchdog?.close();
    const subscription = this.subscription;
    for (const { delivery } of this.held.splice(0)) this.giveBack(delivery);
    await subscription?.setPrefetch(0).catch(() => {});
    if (this.runs.size > 0) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.options.shutdownTimeoutMs)));
      await Promise.race([Promise.allSettled(this.runs.values()), timeout]);
      clearTimeout(timer);
    }
    // Handlers that outlived the timeout: abort them, then give their tasks back. Unsubscribing
    // first releases them broker-side with no consumer of this worker left to push them to.
    const left = [...this.runs.keys()];
    await Promise.allSettled(left.map((run) => run.abandon()));
    await this.subscription?.close().catch(() => {});
    await Promise.allSettled(left.map((run) => run.release()));
    this.client.events.off('error', this.forwardError);
    if (this.ownsClient) await this.client.close().catch(() => {});
  }
}

/**
 * Every `intervalMs`, runs `check` (one at a time); counts consecutive idle-with-ready-tasks checks,
 * reset by any delivery in between.
 */
class IdleWatchdog {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private strikes = 0;
  private closed = false;

  constructor(
    private readonly intervalMs: number,
    private readonly check: () => Promise<'idle' | 'busy' | 'resubscribed'>,
    private readonly onError: (error: Error) => void,
  ) {}

  start(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.running = this.check()
        .then((state) => {
          if (state !== 'idle') this.strikes = 0;
        })
        .catch((err: unknown) => {
          this.strikes = 0;
          const error = toError(err);
          this.onError(new Error(`the idle check failed: ${error.message}`, { cause: error }));
        })
        .finally(() => {
          this.running = null;
          this.start();
        });
    }, this.intervalMs);
    this.timer.unref();
  }

  sawDelivery(): void {
    this.strikes = 0;
  }

  /** Records an idle-with-ready-tasks check; true on the second in a row. */
  secondStrike(): boolean {
    this.strikes += 1;
    if (this.strikes < 2) return false;
    this.strikes = 0;
    return true;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.running) await this.running;
  }
}
