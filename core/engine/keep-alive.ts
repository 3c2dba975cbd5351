/**
 * Holds the process open while someone waits on the engine: a push consumer, or a long poll. The
 * engine's own timers are unref'd, since an idle engine must no more keep a program alive than an
 * open database handle does; but without a hold, an embedded program awaiting a delayed message,
 * a retry's backoff or a long poll would exit in the middle of its await. (Over the network the
 * client's socket holds the process.)
 */
export class KeepAlive {
  private holders = 0;
  private handle: NodeJS.Timeout | null = null;
  private stopped = false;

  /** Holds the process until the returned function is called (once is enough; more are no-ops). */
  hold(): () => void {
    if (this.stopped) return () => {};
    if (this.holders++ === 0) this.handle = setInterval(() => {}, 2 ** 31 - 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      if (--this.holders === 0) this.clear();
    };
  }

  /** The engine closed: nothing it holds keeps the process any longer. */
  stop(): void {
    this.stopped = true;
    this.clear();
  }

  private clear(): void {
    if (this.handle) clearInterval(this.handle);
    this.handle = null;
  }
}
