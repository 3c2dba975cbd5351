/**
 * The engine's background loops, on the injected clock:
 * - the due timer fires when the earliest lease or delay ends, asks the store to expire what is
 *   due, wakes the queues that gained ready messages, and re-arms for the next one;
 * - the sweep runs every sweepIntervalMs for retention, the rewind window, time-to-live dead letters
 *   and the dedup window.
 * Neither overlaps itself; a failure is reported and the loop goes on, and the first success after
 * failures (the store back after an outage) is reported as a recovery.
 */
import type { Clock, TimerHandle } from './clock.js';
import type { ExpireResult, WakeResult } from '../store/store.js';

export interface SweeperOptions {
  clock: Clock;
  sweepIntervalMs: number;
  expire: (now: number) => Promise<ExpireResult>;
  sweep: (now: number) => Promise<WakeResult>;
  wake: (queues: string[]) => void;
  onError: (err: unknown) => void;
  onRecovered: (recovery: Recovery) => void;
}

export interface Recovery {
  /** Failures since the last success. */
  failures: number;
  /** From the first of them to this success. */
  downMs: number;
}

export class Sweeper {
  private dueTimer: TimerHandle | null = null;
  private dueAt = Infinity;
  private expiring = false;
  private expireAgain = false;
  private sweepTimer: TimerHandle | null = null;
  private sweeping = false;
  private closed = false;
  private failures = 0;
  private failingSince = 0;

  constructor(private readonly options: SweeperOptions) {}

  start(): void {
    this.runExpire();
    this.scheduleSweep();
  }

  /** Something will become due at `at` (Unix ms): make sure the due timer fires by then. */
  dueBy(at: number): void {
    if (this.closed || at >= this.dueAt) return;
    this.arm(at);
  }

  close(): void {
    this.closed = true;
    if (this.dueTimer) this.options.clock.clearTimeout(this.dueTimer);
    if (this.sweepTimer) this.options.clock.clearTimeout(this.sweepTimer);
    this.dueTimer = this.sweepTimer = null;
  }

  private arm(at: number): void {
    const { clock } = this.options;
    if (this.dueTimer) clock.clearTimeout(this.dueTimer);
    this.dueAt = at;
    this.dueTimer = clock.setTimeout(() => {
      this.dueTimer = null;
      this.dueAt = Infinity;
      this.runExpire();
    }, Math.max(0, at - clock.now()));
  }

  private runExpire(): void {
    if (this.closed) return;
    if (this.expiring) {
      this.expireAgain = true;
      return;
    }
    this.expiring = true;
    this.options
      .expire(this.options.clock.now())
      .then(({ woken, nextDueAt }) => {
        this.succeeded();
        this.options.wake(woken);
        if (nextDueAt !== null) this.dueBy(nextDueAt);
      })
      .catch((err: unknown) => {
        this.failed(err);
        this.dueBy(this.options.clock.now() + 1000);
      })
      .finally(() => {
        this.expiring = false;
        if (this.expireAgain) {
          this.expireAgain = false;
          this.runExpire();
        }
      });
  }

  /** Sweeps on a fixed cadence; a tick that finds the previous sweep still running is skipped. */
  private scheduleSweep(): void {
    if (this.closed) return;
    this.sweepTimer = this.options.clock.setTimeout(() => {
      this.scheduleSweep();
      if (this.sweeping) return;
      this.sweeping = true;
      this.options
        .sweep(this.options.clock.now())
        .then(({ woken }) => {
          this.succeeded();
          this.options.wake(woken);
        })
        .catch((err: unknown) => this.failed(err))
        .finally(() => {
          this.sweeping = false;
        });
    }, this.options.sweepIntervalMs);
  }

  private failed(err: unknown): void {
    if (this.failures === 0) this.failingSince = this.options.clock.now();
    this.failures++;
    this.options.onError(err);
  }

  private succeeded(): void {
    if (this.failures === 0) return;
    const recovery = { failures: this.failures, downMs: this.options.clock.now() - this.failingSince };
    this.failures = 0;
    this.options.onRecovered(recovery);
  }
}
