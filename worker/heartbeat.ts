/**
 * Heartbeats of a worker's running tasks, on one timer for all of them. Each task's beat runs about
 * every `intervalMs` ± `jitter` (a fraction), the next one due only after the previous finished, so
 * beats never overlap and a slow broker slows the heartbeat instead of piling up extensions. Jitter
 * spreads the beats of tasks that started together.
 *
 * Times are monotonic (performance.now): a wall clock stepped back would hold every beat back with
 * it, past the leases' end.
 *
 * One timer rather than one per task: most tasks end long before their first beat, and a timer of
 * their own cost each of them a Timeout, a closure and, for its random duration, a timer list of
 * its own in Node's timer wheel, about a microsecond and a few hundred bytes per task.
 */
export interface HeartbeatOptions {
  intervalMs: number;
  /** ± this fraction of intervalMs; default 0.2. */
  jitter?: number;
  random?: () => number;
}

/** A beat runs up to this fraction of intervalMs after it is due (the shared timer's period). */
const TICK_FRACTION = 0.05;

export class Heartbeats {
  private readonly hearts = new Set<Heartbeat>();
  private timer: NodeJS.Timeout | null = null;
  private readonly tickMs: number;

  constructor(private readonly options: HeartbeatOptions) {
    this.tickMs = Math.max(1, Math.floor(options.intervalMs * TICK_FRACTION));
  }

  /** Starts beating for one task; its first beat is due one interval from now. */
  start(beat: () => Promise<void>): Heartbeat {
    const heart = new Heartbeat(this, beat);
    this.hearts.add(heart);
    this.timer ??= setInterval(this.tick, this.tickMs);
    return heart;
  }

  /** When the next beat is due, from `now`. */
  nextDue(now: number): number {
    const jitter = this.options.jitter ?? 0.2;
    const random = this.options.random ?? Math.random;
    return now + Math.max(1, this.options.intervalMs * (1 - jitter + 2 * jitter * random()));
  }

  /** Called by a heart that stopped. */
  remove(heart: Heartbeat): void {
    this.hearts.delete(heart);
    if (this.hearts.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private readonly tick = (): void => {
    const now = performance.now();
    for (const heart of this.hearts) heart.beatIfDue(now);
  };
}

export class Heartbeat {
  private dueAt: number;
  private running: Promise<void> | null = null;
  private stopped = false;

  /** Use Heartbeats.start. */
  constructor(
    private readonly heartbeats: Heartbeats,
    private readonly beat: () => Promise<void>,
  ) {
    this.dueAt = heartbeats.nextDue(performance.now());
  }

  beatIfDue(now: number): void {
    if (this.stopped || this.running || now < this.dueAt) return;
    this.running = this.beat()
      .catch(() => {})
      .then(() => {
        this.running = null;
        this.dueAt = this.heartbeats.nextDue(performance.now());
      });
  }

  /** Stops beating. Idempotent. Returns the beat in progress, to wait for, or null when none is. */
  stop(): Promise<void> | null {
    if (!this.stopped) {
      this.stopped = true;
      this.heartbeats.remove(this);
    }
    return this.running;
  }
}
