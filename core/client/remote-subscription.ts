/**
 * A subscription over the client's WebSocket. It survives reconnects: when the socket opens again
 * the client subscribes anew with the same queue, prefetch and lease length (the broker released
 * the old socket's leases, so those messages come again, to this client or another).
 */
import { PushedMessage, runHandler, type DeliveryOps } from './delivery.js';
import { SpoolClientClosedError, SpoolConnectionError } from './errors.js';
import type { ClientEmitter } from './events.js';
import type { SocketConnection } from './socket.js';
import { checkPrefetch } from './prefetch.js';
import type { Message, MessageHandler, SubscribeOptions, Subscription } from './types.js';

/** What a subscription needs from the transport that owns it. */
export interface SubscriptionOwner {
  readonly socket: SocketConnection;
  readonly events: ClientEmitter;
  readonly ops: DeliveryOps;
  bind(subscription: RemoteSubscription, serverId: string): void;
  unbind(subscription: RemoteSubscription): void;
  forget(subscription: RemoteSubscription): void;
  /** A subscribe finished (either way): early deliveries nobody claimed are given back. */
  subscribeSettled(): void;
}

export class RemoteSubscription implements Subscription {
  /** The broker's id for it on the current socket; null while not subscribed there. */
  serverId: string | null = null;
  private current: number;
  private readonly unsettled = new Set<PushedMessage>();
  private state: 'active' | 'draining' | 'closed' = 'active';
  private idle: (() => void) | null = null;
  private subscribing: Promise<void> | null = null;
  /** The broker said it releases a closed socket's leases (the default; not with --keep-leases-on-close). */
  private leasesEndWithSocket = false;

  constructor(
    private readonly owner: SubscriptionOwner,
    readonly queue: string,
    private readonly options: SubscribeOptions,
    private readonly handler: MessageHandler,
  ) {
    this.current = options.prefetch;
  }

  get prefetch(): number {
    return this.current;
  }

  get inFlight(): number {
    return this.unsettled.size;
  }

  get active(): boolean {
    return this.state !== 'closed';
  }

  /** True while a subscribe request is on its way (its reply and first deliveries may cross). */
  get subscribingNow(): boolean {
    return this.subscribing !== null;
  }

  /** Subscribes on the current socket (first time, or after a reconnect). */
  subscribe(): Promise<void> {
    if (this.state === 'closed' || this.current === 0) return Promise.resolve();
    this.subscribing ??= (async () => {
      try {
        const request: Record<string, unknown> = { op: 'subscribe', queue: this.queue, prefetch: this.current };
        if (this.options.visibilityTimeout !== undefined) request.visibilityTimeout = this.options.visibilityTimeout;
        const { subscription, leasesOnClose } = await this.owner.socket.request<{ subscription: string; leasesOnClose?: string }>(request);
        this.leasesEndWithSocket = leasesOnClose === 'released';
        if (this.state === 'closed') {
          // Closed while subscribing: undo it on the broker.
          await this.owner.socket.request({ op: 'unsubscribe', subscription }).catch(() => {});
          return;
        }
        this.owner.bind(this, subscription);
      } finally {
        this.subscribing = null;
        this.owner.subscribeSettled();
      }
    })();
    return this.subscribing;
  }

  /**
   * The socket dropped: the broker forgot this subscription and, unless it keeps leases, released
   * what was pushed on it. Handlers learn it now, not at their next extension.
   */
  disconnected(): void {
    this.owner.unbind(this);
    if (!this.leasesEndWithSocket) return;
    const lost = new SpoolConnectionError('the connection to the broker dropped, and the broker released the leases it held');
    for (const delivery of [...this.unsettled]) delivery.lose(lost);
  }

  deliver(messages: Message[]): void {
    for (const message of messages) {
      const delivery = new PushedMessage(this.queue, message, this.owner.ops, () => this.settled(delivery));
      this.unsettled.add(delivery);
      void runHandler(this.handler, delivery, (error, queue) => this.owner.events.emitError(error, queue));
    }
  }

  /** The broker cancelled a message: fire the signal of the delivery that holds it, if any. */
  cancelled(queue: string, msgId: string): void {
    if (queue !== this.queue) return;
    for (const delivery of this.unsettled) if (delivery.msgId === msgId) delivery.cancel();
  }

  async setPrefetch(prefetch: number): Promise<void> {
    if (this.state === 'closed') throw new SpoolClientClosedError('the subscription is closed');
    checkPrefetch(prefetch, 0);
    this.current = prefetch;
    if (this.serverId !== null) await this.owner.socket.request({ op: 'credit', subscription: this.serverId, prefetch });
    else if (prefetch > 0 && this.owner.socket.isOpen) await this.subscribe();
  }

  async drain(): Promise<void> {
    if (this.state !== 'active') return this.close();
    this.state = 'draining';
    if (this.serverId !== null) await this.owner.socket.request({ op: 'credit', subscription: this.serverId, prefetch: 0 }).catch(() => {});
    if (this.unsettled.size > 0) await new Promise<void>((resolve) => (this.idle = resolve));
    await this.close();
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    const serverId = this.serverId;
    this.owner.forget(this);
    if (serverId !== null && this.owner.socket.isOpen) {
      await this.owner.socket.request({ op: 'unsubscribe', subscription: serverId }).catch(() => {});
    }
    // The broker released what was still unsettled: a late ack would only find it stale.
    for (const delivery of [...this.unsettled]) delivery.abandon();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private settled(delivery: PushedMessage): void {
    this.unsettled.delete(delivery);
    if (this.unsettled.size === 0 && this.idle) {
      this.idle();
      this.idle = null;
    }
  }
}
