/**
 * One subscription: an engine push consumer whose deliveries are pushed to one socket.
 *
 * The engine's consumer hands over a message and takes its credit back when the promise our handler
 * returned settles; we settle it when this socket acks, releases or completes the message, when its
 * lease is found stale, or when the subscription ends. So the engine never leases more than
 * `prefetch` messages for the subscription.
 *
 * A leased message is first *held*, then *pushed* while the subscription has fewer than `prefetch`
 * pushed and unfinished messages and its socket is not congested. Holding is what backpressure and
 * a lowered prefetch act on: the client never has more than `prefetch` messages, and a congested
 * socket is sent nothing until it drains. Messages pushed in the same tick share a deliver frame.
 */
import type { Consumer, Engine } from '../../engine/engine.js';
import type { ReceivedMessage } from '../../engine/message.js';

export interface Lease {
  readonly subscription: Subscription;
  readonly queue: string;
  readonly message: ReceivedMessage;
  /** Requests on this lease still running: a socket that closes leaves such a lease to them. */
  busy: number;
  /** 'settling': the client sent an ack, complete or release that is still running. */
  state: 'held' | 'pushed' | 'settling' | 'done';
  /** Gives the credit back to the engine's consumer. */
  readonly settle: () => void;
}

/** What a subscription needs from its connection. */
export interface SubscriptionHost {
  /** False while the socket is congested (buffered plus reserved bytes above the mark), closing or closed. */
  canPush(): boolean;
  /** Counts a message about to be pushed against the high-water mark until its frame is sent. */
  reserve(bytes: number): void;
  /** Sends deliver frames for these (already pushed and reserved) leases. */
  push(subscription: Subscription, leases: Lease[]): void;
  /** A lease was pushed / finished: the connection keeps the receipt handle → lease index. */
  track(lease: Lease): void;
  untrack(lease: Lease): void;
}

export class Subscription {
  private consumer: Consumer | null = null;
  private readonly held: Lease[] = [];
  private readonly pushed = new Set<Lease>();
  private outgoing: Lease[] = [];
  private flushQueued = false;
  private ended = false;

  constructor(
    readonly id: string,
    readonly queue: string,
    private prefetch: number,
    private readonly visibilityTimeout: number | undefined,
    private readonly engine: Engine,
    private readonly host: SubscriptionHost,
  ) {}

  start(): void {
    this.consumer = this.openConsumer();
  }

  /** Messages pushed and not yet finished. */
  get inFlight(): number {
    return this.pushed.size;
  }

  /** Messages leased for this subscription and waiting to be pushed. */
  get waiting(): number {
    return this.held.length;
  }

  /**
   * Changes the prefetch (0 pauses: the engine's consumer is closed). Messages already leased stay
   * with the subscription and are pushed as room appears, so the client never has more than the
   * new prefetch; held messages beyond it are released.
   */
  setPrefetch(prefetch: number): void {
    if (this.ended || prefetch === this.prefetch) return;
    this.prefetch = prefetch;
    if (prefetch === 0) {
      this.consumer?.close();
      this.consumer = null;
    } else if (this.consumer) {
      this.consumer.setPrefetch(prefetch);
    } else {
      this.consumer = this.openConsumer();
    }
    const room = Math.max(0, prefetch - this.pushed.size);
    for (const lease of this.held.splice(room)) this.drop(lease, true);
    this.pump();
  }

  /** Pushes what it can; called when credit comes back and when the socket drains. */
  pump(): void {
    const now = this.engine.clock.now();
    while (this.held.length > 0 && this.pushed.size < this.prefetch && this.host.canPush()) {
      const lease = this.held.shift()!;
      // Its lease ended while it waited here: the message is the queue's again, so don't push it.
      if (lease.message.nextVisibleTime <= now) {
        this.drop(lease, false);
        continue;
      }
      lease.state = 'pushed';
      this.host.reserve(frameBytes(lease.message));
      this.pushed.add(lease);
      this.host.track(lease);
      this.outgoing.push(lease);
    }
    if (this.outgoing.length > 0 && !this.flushQueued) {
      this.flushQueued = true;
      // The engine hands a claim's messages to our handler in consecutive microtasks; one queued
      // after the first runs after all of them, so they share one frame.
      queueMicrotask(() => this.flush());
    }
  }

  /**
   * The client sent an ack, complete or release for the message: it no longer counts against the
   * prefetch, so the next message is claimed in the same commit as that request and pushed with
   * its reply, instead of one commit later. The lease stays tracked until finish(): if the socket
   * closes meanwhile, the request decides the message's fate. Should the request fail for another
   * reason than a stale lease, the client may briefly hold one message more than its prefetch.
   */
  settling(lease: Lease): void {
    if (lease.state !== 'pushed') return;
    lease.state = 'settling';
    this.pushed.delete(lease);
    lease.settle();
    this.pump();
  }

  /** The client finished the message (ack, release, complete) or its lease was found stale. */
  finish(lease: Lease): void {
    if (lease.state !== 'pushed' && lease.state !== 'settling') return;
    const wasPushed = lease.state === 'pushed';
    lease.state = 'done';
    this.pushed.delete(lease);
    this.host.untrack(lease);
    lease.settle();
    if (wasPushed) this.pump();
  }

  /**
   * Ends the subscription: no more messages. Held messages are released at once; pushed ones are
   * returned for the caller to release or keep. Every credit is given back.
   */
  end(): Lease[] {
    if (this.ended) return [];
    this.ended = true;
    this.consumer?.close();
    this.consumer = null;
    // Pushed but not yet written to the socket counts as held: the client never saw them.
    const unsent = new Set(this.outgoing);
    this.outgoing = [];
    for (const lease of unsent) this.host.reserve(-frameBytes(lease.message));
    for (const lease of [...this.held.splice(0), ...unsent]) this.drop(lease, true);
    const pushed = [...this.pushed].filter((lease) => !unsent.has(lease));
    this.pushed.clear();
    for (const lease of pushed) {
      lease.state = 'done';
      this.host.untrack(lease);
      lease.settle();
    }
    return pushed;
  }

  /** Releases a lease's message at once (nack with no delay); stale leases are ignored. */
  releaseLease(lease: Lease): Promise<void> {
    return this.engine.release(lease.queue, lease.message.receiptHandle, 0).catch(() => {});
  }

  private openConsumer(): Consumer | null {
    if (this.prefetch === 0) return null;
    const options = this.visibilityTimeout === undefined ? { prefetch: this.prefetch } : { prefetch: this.prefetch, visibilityTimeout: this.visibilityTimeout };
    return this.engine.consume(this.queue, options, (message) => this.accept(message));
  }

  private accept(message: ReceivedMessage): Promise<void> {
    return new Promise<void>((settle) => {
      const lease: Lease = { subscription: this, queue: this.queue, message, busy: 0, state: 'held', settle };
      // The engine may hand over a message claimed just before the subscription ended.
      if (this.ended) {
        this.drop(lease, true);
        return;
      }
      this.held.push(lease);
      this.pump();
    });
  }

  private flush(): void {
    this.flushQueued = false;
    const leases = this.outgoing;
    this.outgoing = [];
    if (leases.length > 0) this.host.push(this, leases);
  }

  /** Lets go of a lease the client never saw; with `giveBack` the message is ready again, uncounted. */
  private drop(lease: Lease, giveBack: boolean): void {
    if (lease.state === 'pushed') {
      this.pushed.delete(lease);
      this.host.untrack(lease);
    }
    lease.state = 'done';
    if (giveBack) void this.engine.returnUndelivered(lease.queue, [lease.message.receiptHandle]).catch(() => {});
    lease.settle();
  }
}

/** What a message adds to a deliver frame, roughly: its body plus its other fields. */
export function frameBytes(message: ReceivedMessage): number {
  return message.body.length + 256;
}
