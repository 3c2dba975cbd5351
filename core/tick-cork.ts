/**
 * Coalesces the frames a socket sends in one tick into one write. The broker answers a whole
 * group commit at once (dozens of replies) and a worker completes a burst of tasks together; sent
 * one by one, each frame costs its own write syscall and TCP segment, which on a virtual machine
 * costs more than building the frame. Corking at the first send of a tick and uncorking on the
 * next tick (after the tick's promise continuations have run) turns the burst into one writev.
 *
 * A tick that sends a lot (a master posting thousands of tasks at once) releases what it holds
 * every FLUSH_BYTES, so the peer starts on the first frames while the rest are being built.
 */

/** Bytes a tick holds back before it lets them go. */
const FLUSH_BYTES = 64 * 1024;

export interface Corkable {
  cork(): void;
  uncork(): void;
}

export class TickCork {
  private corked = false;
  private held = 0;

  constructor(private readonly socket: Corkable) {}

  /** Call before each send of `bytes`: the sends of this tick go out together once the tick ends. */
  hold(bytes: number): void {
    if (!this.corked) {
      this.corked = true;
      this.held = 0;
      this.socket.cork();
      process.nextTick(this.release);
    } else if (this.held + bytes >= FLUSH_BYTES) {
      // What the tick held so far goes now; this send starts the next lot.
      this.socket.uncork();
      this.socket.cork();
      this.held = 0;
    }
    this.held += bytes;
  }

  private readonly release = (): void => {
    this.corked = false;
    this.socket.uncork();
  };
}
