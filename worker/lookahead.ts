/**
 * Lookahead: how many tasks beyond `concurrency` a worker holds, waiting for a free slot.
 *
 * With short handlers, the trip between finishing a task and receiving the next one (the broker
 * commits the completion, claims the next task, pushes it) takes longer than the task itself, and
 * the worker sits idle through it. Holding the next tasks already hides that trip: a slot that frees
 * starts a held task at once, while the completion commits. The trip grows with load (a group
 * commit and its fsync, the other clients' frames), so the worker holds about HOLD_MS of work: many
 * tasks when handlers take microseconds, one per slot when they take milliseconds. With long
 * handlers a held task would only wait while another worker could be running it, so the worker
 * holds none.
 *
 * The worker starts with none and turns lookahead on once handlers are seen to be short (a moving
 * average of their durations), off again when they grow long; the gap between the two thresholds
 * keeps it from flapping, and so does re-sizing only for a large change (each re-size is a request
 * to the broker).
 */

/** Lookahead turns on when the average handler is shorter than this... */
const ON_BELOW_MS = 20;
/** ...and off when it is longer than this. */
const OFF_ABOVE_MS = 50;
/** While on, hold about this much handler time (across the slots) beyond the running tasks... */
const HOLD_MS = 50;
/** ...but at least one task per slot, and no more than this many beyond that. */
const MAX_EXTRA = 1024;
/** Re-size only when the wanted size is this many times larger or smaller (durations are noisy). */
const RESIZE_FACTOR = 4;
/** Weight of the newest duration in the moving average. */
const WEIGHT = 0.2;

export class Lookahead {
  private averageMs: number | null = null;
  private samples = 0;
  private on = false;
  private held = 0;

  constructor(private readonly concurrency: number) {}

  /** Tasks to hold beyond `concurrency`. */
  get extra(): number {
    return this.held;
  }

  /** Records how long a handler ran; true when that changed `extra`. */
  record(durationMs: number): boolean {
    const averageMs = this.averageMs === null ? durationMs : this.averageMs + (durationMs - this.averageMs) * WEIGHT;
    this.averageMs = averageMs;
    this.samples++;
    this.on = this.on ? averageMs <= OFF_ABOVE_MS : this.samples >= this.concurrency && averageMs < ON_BELOW_MS;
    const wanted = this.on ? this.sized(averageMs) : 0;
    // Back to the cap is never too small a change: after one slow handler among fast ones (a GC
    // pause) shrank it, growing back in RESIZE_FACTOR steps would stop short of the cap for good.
    const small = wanted > 0 && this.held > 0 && wanted !== this.cap && wanted < RESIZE_FACTOR * this.held && RESIZE_FACTOR * wanted > this.held;
    if (wanted === this.held || small) return false;
    this.held = wanted;
    return true;
  }

  private sized(averageMs: number): number {
    const forHoldTime = Math.round((this.concurrency * HOLD_MS) / Math.max(averageMs, 0.001));
    return Math.max(this.concurrency, Math.min(MAX_EXTRA, forHoldTime));
  }

  /** The most sized() gives. */
  private get cap(): number {
    return Math.max(this.concurrency, MAX_EXTRA);
  }
}
