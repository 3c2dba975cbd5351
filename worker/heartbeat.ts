/**
 * A task's heartbeat: runs `beat` every `intervalMs` ± `jitter` (a fraction), the next one
 * scheduled only after the previous finished, so beats never overlap and a slow broker slows the
 * heartbeat instead of piling up extensions. Jitter spreads the beats of tasks that started together.
 */
export interface HeartbeatOptions {
  intervalMs: number;
  /** ± this fraction of intervalMs; default 0.2. */
  jitter?: number;
  beat: () => Promise<void>;
  random?: () => number;
}

export class Heartbeat {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: HeartbeatOptions) {}

  start(): void {
    if (this.closed || this.timer || this.running) return;
    this.schedule();
  }

  /** Runs a beat now (after the one in progress, if any), e.g. to flush a checkpoint before a release. */
  async flush(): Promise<void> {
    if (this.running) await this.running;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.tick();
  }

  /** Stops beating and waits for a beat in progress. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.running) await this.running;
  }

  private schedule(): void {
    if (this.closed) return;
    const jitter = this.options.jitter ?? 0.2;
    const random = this.options.random ?? Math.random;
    const delay = Math.max(1, this.options.intervalMs * (1 - jitter + 2 * jitter * random()));
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick().then(() => this.schedule());
    }, delay);
  }

  private async tick(): Promise<void> {
    const run = this.options.beat().catch(() => {});
    this.running = run;
    try {
      await run;
    } finally {
      if (this.running === run) this.running = null;
    }
  }
}
