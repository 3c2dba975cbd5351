/**
 * Lookahead: how many tasks beyond `concurrency` a worker holds, waiting for a free slot.
 *
 * With short handlers, the trip between finishing a task and receiving the next one (the broker
 * commits the completion, claims the next task, pushes it) takes longer than the task itself, and
 * the worker sits idle through it. Holding the next tasks already hides that trip: a slot that frees
 * starts a held task at once, while the completion commits. With long handlers a held task would
 * only wait while another worker could be running it, so the worker holds none.
 *
 * The worker starts with none and turns lookahead on once handlers are seen to be short (a moving
 * average of their durations), off again when they grow long; the gap between the two thresholds
 * keeps it from flapping.
 */

/** Lookahead turns on when the average handler is shorter than this... */
const ON_BELOW_MS = 20;
/** ...and off when it is longer than this. */
const OFF_ABOVE_MS = 50;
/** Weight of the newest duration in the moving average. */
const WEIGHT = 0.2;

export class Lookahead {
  private averageMs: number | null = null;
  private samples = 0;
  private on = false;

  constructor(private readonly concurrency: number) {}

  /** Tasks to hold beyond `concurrency`. */
  get extra(): number {
    return this.on ? this.concurrency : 0;
  }

  /** Records how long a handler ran; true when that changed `extra`. */
  record(durationMs: number): boolean {
    this.averageMs = this.averageMs === null ? durationMs : this.averageMs + (durationMs - this.averageMs) * WEIGHT;
    this.samples++;
    const on = this.on ? this.averageMs <= OFF_ABOVE_MS : this.samples >= this.concurrency && this.averageMs < ON_BELOW_MS;
    if (on === this.on) return false;
    this.on = on;
    return true;
  }
}
