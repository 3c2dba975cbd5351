/**
 * Ping/pong liveness, as ws recommends: every interval each peer that answered the previous ping
 * is pinged again, and one that did not is terminated (its socket closes, so its leases go back).
 */
import { systemClock, type Clock, type TimerHandle } from '../../engine/clock.js';

export interface Peer {
  /** Set by the peer when a pong arrives; cleared here before each ping. */
  alive: boolean;
  ping(): void;
  terminate(): void;
}

export class Liveness {
  private timer: TimerHandle | null = null;
  private running = false;

  constructor(
    private readonly intervalMs: number,
    private readonly peers: () => Iterable<Peer>,
    private readonly clock: Clock = systemClock,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  close(): void {
    this.running = false;
    if (this.timer) this.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** One round: terminate the silent, ping the rest. */
  tick(): void {
    for (const peer of [...this.peers()]) {
      if (!peer.alive) {
        peer.terminate();
        continue;
      }
      peer.alive = false;
      peer.ping();
    }
  }

  private schedule(): void {
    this.timer = this.clock.setTimeout(() => {
      if (!this.running) return;
      this.tick();
      this.schedule();
    }, this.intervalMs);
  }
}
