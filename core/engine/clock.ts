/**
 * Time, injected: the engine reads the time and schedules its timers only through a Clock, so
 * tests can advance time instead of sleeping.
 */
export interface Clock {
  /** Unix milliseconds. */
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export type TimerHandle = { readonly id: number } | NodeJS.Timeout;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const timer = setTimeout(fn, ms);
    timer.unref();
    return timer;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface FakeTimer {
  readonly id: number;
  readonly at: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to. `advance()` fires due timers in time order and lets the
 * work they start (store commits included) settle before it returns.
 */
export class FakeClock implements Clock {
  private current: number;
  private nextId = 1;
  private timers = new Map<number, FakeTimer>();
  private readonly settlers = new Set<() => Promise<void>>();

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const timer = { id: this.nextId++, at: this.current + Math.max(0, ms), fn };
    this.timers.set(timer.id, timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    if ('id' in handle && typeof handle.id === 'number') this.timers.delete(handle.id);
  }

  /**
   * Makes advance() also wait for `settled` after each timer it fires: an engine on this clock
   * registers its store's pending commits, which may wait on real disk syncs. Returns an unregister.
   */
  waitFor(settled: () => Promise<void>): () => void {
    this.settlers.add(settled);
    return () => this.settlers.delete(settled);
  }

  async advance(ms: number): Promise<void> {
    const settle = async () => {
      await settleTicks();
      for (const settled of [...this.settlers]) await settled();
      await settleTicks();
    };
    const target = this.current + ms;
    await settle();
    for (;;) {
      const due = [...this.timers.values()].filter((t) => t.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers.delete(due.id);
      this.current = Math.max(this.current, due.at);
      due.fn();
      await settle();
    }
    this.current = target;
    await settle();
  }
}

/** Lets promise chains and work scheduled with setImmediate run to completion. */
async function settleTicks(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
