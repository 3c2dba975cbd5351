/**
 * One WebSocket: reads request frames and answers each exactly once, owns the socket's
 * subscriptions and leases, pushes deliveries, applies backpressure, and on close gives the
 * socket's leases back (docs/protocol.md).
 */
import { WebSocket, type RawData } from 'ws';
import type { Engine } from '../../engine/engine.js';
import { SpoolError, toSpoolError } from '../../errors.js';
import { authorize, frameNeeds } from '../auth/access.js';
import type { ApiKey } from '../auth/api-keys.js';
import { cancelFrame, deliverFrames, errorFrame, parseFrame, replyFrame, type Request, type RequestId } from './frames.js';
import { LeaseTable } from './leases.js';
import type { Peer } from './liveness.js';
import type { ResolvedWebSocketOptions } from './options.js';
import { execute, type RequestContext } from './requests.js';
import { TickCork, type Corkable } from '../../tick-cork.js';
import { Subscription, frameBytes, type Lease, type SubscriptionHost } from './subscription.js';

/** How long a shutdown waits for running requests, then for the client's close frame. */
const SHUTDOWN_REQUESTS_MS = 5_000;
const SHUTDOWN_CLOSE_MS = 2_000;

export class Connection implements Peer, SubscriptionHost, RequestContext {
  alive = true;
  readonly leases = new LeaseTable();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly pending = new Set<RequestId>();
  private nextSubscription = 1;
  /** bufferedAmount went above the high-water mark: push nothing until it drains to half of it. */
  private congested = false;
  /** Bytes of messages being pushed whose frames are not yet sent (see Subscription.pump). */
  private reserved = 0;
  private readingPaused = false;
  private shuttingDown = false;
  private closed = false;
  private onIdle: (() => void) | null = null;
  private readonly closedPromise: Promise<void>;
  private readonly cork: TickCork;

  constructor(
    private readonly ws: WebSocket,
    socket: Corkable,
    readonly engine: Engine,
    private readonly options: ResolvedWebSocketOptions,
    /** The key its upgrade presented; null without keys. */
    private readonly key: ApiKey | null,
    onClosed: (connection: Connection) => void,
  ) {
    this.cork = new TickCork(socket);
    ws.on('message', (data, isBinary) => this.onFrame(data, isBinary));
    ws.on('pong', () => {
      this.alive = true;
    });
    // Protocol errors (frame too big: 1009, invalid UTF-8: 1007, bad framing: 1002) close the
    // socket by themselves; without a listener they would crash the process.
    ws.on('error', () => {});
    this.closedPromise = new Promise((resolve) => {
      ws.once('close', () => {
        this.onSocketClosed();
        onClosed(this);
        resolve();
      });
    });
  }

  // ---- counts, for stats ----

  get subscriptionCount(): number {
    return this.subscriptions.size;
  }

  get waitingCount(): number {
    let n = 0;
    for (const sub of this.subscriptions.values()) n += sub.waiting;
    return n;
  }

  get isCongested(): boolean {
    return this.congested;
  }

  // ---- Peer ----

  ping(): void {
    // While we are not reading, its pong cannot reach us: that is our doing, not a dead peer.
    if (this.readingPaused) this.alive = true;
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  terminate(): void {
    this.ws.terminate();
  }

  // ---- SubscriptionHost ----

  canPush(): boolean {
    if (this.congested || this.shuttingDown || this.closed) return false;
    // The first message always goes, however large; after it, the mark counts what is on its way.
    return this.reserved === 0 || this.ws.bufferedAmount + this.reserved <= this.options.highWaterMarkBytes;
  }

  reserve(bytes: number): void {
    this.reserved += bytes;
  }

  push(subscription: Subscription, leases: Lease[]): void {
    for (const lease of leases) this.reserved -= frameBytes(lease.message);
    for (const frame of deliverFrames(subscription.id, subscription.queue, leases.map((l) => l.message))) this.send(frame);
    // Messages held back only by the reservation may go now, unless the socket is congested (then
    // the drain does it).
    if (!this.congested) this.pumpAll();
  }

  track(lease: Lease): void {
    this.leases.add(lease);
  }

  untrack(lease: Lease): void {
    this.leases.remove(lease);
  }

  /** A message was cancelled: if this socket holds its lease, tell the client. */
  cancelled(queue: string, msgId: string): void {
    if (this.leases.holds(queue, msgId)) this.send(cancelFrame(queue, msgId));
  }

  // ---- RequestContext ----

  get leasesOnClose(): 'released' | 'kept' {
    return this.options.keepLeasesOnClose ? 'kept' : 'released';
  }

  async subscribe(queue: string, prefetch: number, visibilityTimeout: number | undefined): Promise<string> {
    if (this.subscriptions.size >= this.options.maxSubscriptionsPerConnection) {
      throw new SpoolError('INVALID_PARAMETER', `a socket may hold at most ${this.options.maxSubscriptionsPerConnection} subscriptions`);
    }
    await this.engine.getQueue(queue); // QUEUE_NOT_FOUND now, not in the background
    if (this.closed || this.shuttingDown) throw new SpoolError('CLOSED', 'the socket is closing');
    const id = `s${this.nextSubscription++}`;
    const subscription = new Subscription(id, queue, prefetch, visibilityTimeout, this.engine, this);
    this.subscriptions.set(id, subscription);
    subscription.start();
    return id;
  }

  credit(id: string, prefetch: number): void {
    this.subscription(id).setPrefetch(prefetch);
  }

  async unsubscribe(id: string): Promise<void> {
    const subscription = this.subscription(id);
    this.subscriptions.delete(id);
    await this.releaseAll(subscription.end(), true);
  }

  // ---- lifecycle ----

  /** Server shutdown: stop pushing, let running requests answer, give leases back, close with 1001. */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.shuttingDown = true;
    await this.endSubscriptions(!this.options.keepLeasesOnClose);
    if (this.pending.size > 0) {
      await Promise.race([new Promise<void>((resolve) => (this.onIdle = resolve)), delay(SHUTDOWN_REQUESTS_MS)]);
    }
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) {
      this.ws.close(1001, 'server shutting down');
    }
    const closedInTime = await Promise.race([this.closedPromise.then(() => true), delay(SHUTDOWN_CLOSE_MS).then(() => false)]);
    if (!closedInTime) {
      this.ws.terminate();
      await this.closedPromise;
    }
  }

  // ---- internals ----

  private subscription(id: string): Subscription {
    const subscription = this.subscriptions.get(id);
    if (!subscription) throw new SpoolError('INVALID_PARAMETER', `no subscription ${JSON.stringify(id)} on this socket`);
    return subscription;
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    if (isBinary) {
      this.send(errorFrame(null, new SpoolError('INVALID_PARAMETER', 'frames must be text frames holding JSON')));
      return;
    }
    const parsed = parseFrame(rawText(data));
    if (!parsed.ok) {
      this.send(errorFrame(parsed.id, parsed.error));
      return;
    }
    const request = parsed.request;
    if (this.pending.has(request.id)) {
      this.send(errorFrame(request.id, new SpoolError('INVALID_PARAMETER', `request id ${JSON.stringify(request.id)} is already awaiting a reply`)));
      return;
    }
    if (this.shuttingDown) {
      this.send(errorFrame(request.id, new SpoolError('CLOSED', 'the server is shutting down')));
      return;
    }
    this.startRequest(request);
  }

  private startRequest(request: Request): void {
    this.pending.add(request.id);
    if (this.pending.size >= this.options.maxOutstandingRequests && !this.readingPaused) {
      this.readingPaused = true;
      this.ws.pause();
    }
    this.authorizedExecute(request).then(
      (result) => this.finishRequest(request.id, replyFrame(request.id, result)),
      (err: unknown) => this.finishRequest(request.id, errorFrame(request.id, toSpoolError(err))),
    );
  }

  private authorizedExecute(request: Request): Promise<unknown> {
    if (this.key !== null) {
      try {
        authorize(this.key, frameNeeds(request));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return execute(this, request);
  }

  private finishRequest(id: RequestId, frame: string): void {
    this.pending.delete(id);
    this.send(frame);
    if (this.readingPaused && this.pending.size <= this.options.maxOutstandingRequests / 2) {
      this.readingPaused = false;
      this.ws.resume();
    }
    if (this.pending.size === 0 && this.onIdle) {
      this.onIdle();
      this.onIdle = null;
    }
  }

  private send(frame: string): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.cork.hold(frame.length);
    this.ws.send(frame, this.afterSend);
    if (!this.congested && this.ws.bufferedAmount > this.options.highWaterMarkBytes) this.congested = true;
  }

  /** Called as each frame leaves for the kernel; the last of a congested burst always comes. */
  private readonly afterSend = (): void => {
    if (!this.congested || this.ws.bufferedAmount > this.options.highWaterMarkBytes / 2) return;
    this.congested = false;
    this.pumpAll();
  };

  private pumpAll(): void {
    for (const subscription of this.subscriptions.values()) subscription.pump();
  }

  private onSocketClosed(): void {
    this.closed = true;
    if (this.readingPaused) this.ws.resume();
    void this.endSubscriptions(!this.options.keepLeasesOnClose);
    this.onIdle?.();
    this.onIdle = null;
  }

  private async endSubscriptions(release: boolean): Promise<void> {
    const ended = [...this.subscriptions.values()].flatMap((s) => s.end());
    this.subscriptions.clear();
    await this.releaseAll(ended, release);
  }

  /** Releases pushed leases, except those a running request is finishing anyway. */
  private async releaseAll(leases: Lease[], release: boolean): Promise<void> {
    if (!release) return;
    await Promise.all(leases.filter((l) => l.busy === 0).map((l) => l.subscription.releaseLease(l)));
  }
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
