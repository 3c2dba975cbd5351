/**
 * Coalesces the frames a socket sends in one tick into one write. The broker answers a whole
 * group commit at once (dozens of replies) and a worker completes a burst of tasks together; sent
 * one by one, each frame costs its own write syscall and TCP segment, which on a virtual machine
 * costs more than building the frame. Corking at the first send of a tick and uncorking on the
 * next tick (after the tick's promise continuations have run) turns the burst into one writev.
 */
export interface Corkable {
  cork(): void;
  uncork(): void;
}

export class TickCork {
  private corked = false;

  constructor(private readonly socket: Corkable) {}

  /** Call before each send: the sends of this tick go out together once the tick ends. */
  hold(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(this.release);
  }

  private readonly release = (): void => {
    this.corked = false;
    this.socket.uncork();
  };
}
