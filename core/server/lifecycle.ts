/**
 * The server's closing state, shared with the routes: once closing, new requests are refused with
 * CLOSED, and pending long polls are told to answer at once (an empty list) instead of holding
 * close() up for as long as 30 s.
 */
export class Lifecycle {
  private state: 'open' | 'closing' = 'open';
  private readonly listeners = new Set<() => void>();

  get closing(): boolean {
    return this.state === 'closing';
  }

  /** Calls `fn` once when closing begins (at once if it already has); returns an unsubscribe. */
  onClosing(fn: () => void): () => void {
    if (this.closing) {
      fn();
      return () => {};
    }
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Begins closing; idempotent. A throwing listener does not stop the others. */
  beginClosing(): void {
    if (this.closing) return;
    this.state = 'closing';
    for (const fn of [...this.listeners]) {
      try {
        fn();
      } catch {
        // a listener's failure must not keep other long polls open
      }
    }
    this.listeners.clear();
  }
}
