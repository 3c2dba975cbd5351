/**
 * Reconnect delays: exponential with jitter, so clients that lost one broker do not all come back
 * at the same instant. Delay n is uniform in [½, 1] × min(max, initial × 2^n).
 */
export interface BackoffOptions {
  /** First delay, ms; default 100. */
  initialDelayMs: number;
  /** Largest delay, ms; default 10 000. */
  maxDelayMs: number;
}

export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  /** Attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    const ceiling = Math.min(this.options.maxDelayMs, this.options.initialDelayMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(ceiling * (0.5 + this.random() / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}
