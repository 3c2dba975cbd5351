/**
 * The client's WebSocket (docs/protocol.md): requests with ids and their replies, pushed deliver
 * frames, and a connection that comes back by itself. It opens on first use; when it drops it
 * reconnects after a jittered exponential backoff, and `onOpen` runs again (subscriptions use it
 * to resubscribe). Requests made while it is down wait for it (up to their timeout); requests on a
 * socket that drops fail with SpoolConnectionError, since they may or may not have taken effect.
 * Liveness: the client pings every pingIntervalMs and drops a socket whose pong is late.
 */
import { WebSocket } from 'ws';
import { TickCork } from '../tick-cork.js';
import { Backoff } from './backoff.js';
import { SpoolClientClosedError, SpoolClientError, SpoolConnectionError, SpoolTimeoutError } from './errors.js';
import type { ClientEmitter } from './events.js';
import type { ResolvedClientOptions } from './options.js';
import type { ConnectionStatus, Message } from './types.js';
import { asError } from '../errors.js';

export interface DeliverFrame {
  op: 'deliver';
  subscription: string;
  queue: string;
  messages: Message[];
}

export interface SocketHooks {
  /** The socket is open (first time or again); requests made here go before those that waited. */
  onOpen(): void;
  onDeliver(frame: DeliverFrame): void;
  /** The broker cancelled a message this client holds. */
  onCancel(queue: string, msgId: string): void;
  /** The socket dropped; subscriptions it carried are gone on the broker's side. */
  onDisconnect(): void;
}

interface Pending {
  resolve(result: unknown): void;
  reject(err: Error): void;
  /** Date.now() after which it fails with SpoolTimeoutError. */
  deadline: number;
  op: string;
  /** Not yet written: waits for the socket to open. */
  text: string | null;
}

/** Big enough for a 1 MiB body escaped six times over, plus the rest of its frame. */
const MAX_INCOMING_FRAME_BYTES = 16 * 1024 * 1024;
const CLOSE_WAIT_MS = 2_000;

export class SocketConnection {
  private ws: WebSocket | null = null;
  /** Batches the current socket's writes per tick (set once the upgrade hands us its TCP socket). */
  private cork: TickCork | null = null;
  private current: ConnectionStatus = { state: 'idle' };
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private readonly backoff: Backoff;
  private retryTimer: NodeJS.Timeout | null = null;
  private pingTimer: NodeJS.Timeout | null = null;
  /** One timer for all request timeouts (a timer per request costs more than the request). */
  private timeoutTimer: NodeJS.Timeout | null = null;
  private awaitingPong = false;
  private closed = false;

  constructor(
    private readonly options: ResolvedClientOptions,
    private readonly events: ClientEmitter,
    private readonly hooks: SocketHooks,
  ) {
    this.backoff = new Backoff(options.reconnect);
  }

  status(): ConnectionStatus {
    return this.current;
  }

  get isOpen(): boolean {
    return this.current.state === 'open';
  }

  /** Opens the socket if nothing has yet. */
  start(): void {
    if (this.current.state === 'idle' && !this.closed) this.connect();
  }

  /** Sends a request and resolves with its result; rejects with the reply's error as SpoolClientError. */
  request<T>(payload: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new SpoolClientClosedError());
    const id = this.nextId++;
    const text = JSON.stringify({ id, ...payload });
    if (text.length > this.options.maxFrameBytes / 3 && Buffer.byteLength(text) > this.options.maxFrameBytes) {
      return Promise.reject(
        new SpoolClientError('MESSAGE_TOO_LARGE', `the ${String(payload.op)} frame is ${Buffer.byteLength(text)} bytes; the WebSocket takes at most ${this.options.maxFrameBytes} (send it over HTTP)`),
      );
    }
    this.start();
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { resolve: resolve as (r: unknown) => void, reject, deadline: Date.now() + this.options.requestTimeoutMs, op: String(payload.op), text };
      this.pending.set(id, entry);
      this.watchTimeouts();
      if (this.isOpen) this.write(entry);
    });
  }

  /** Closes for good: pending requests fail with SpoolClientClosedError. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.timeoutTimer) clearInterval(this.timeoutTimer);
    this.timeoutTimer = null;
    this.stopPing();
    this.failPending(() => new SpoolClientClosedError(), true);
    const ws = this.ws;
    this.ws = null;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const done = new Promise<void>((resolve) => ws.once('close', () => resolve()));
      if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
      else ws.close(1000, 'client closed');
      const timer = setTimeout(() => ws.terminate(), CLOSE_WAIT_MS);
      await done;
      clearTimeout(timer);
    }
    this.setStatus({ state: 'closed' });
  }

  private connect(): void {
    this.setStatus({ state: 'connecting', attempt: this.backoff.attempts + 1 });
    const ws = new WebSocket(this.options.wsUrl, {
      headers: this.options.headers,
      maxPayload: MAX_INCOMING_FRAME_BYTES,
      perMessageDeflate: false,
    });
    this.ws = ws;
    this.cork = null;
    let lastError: Error | null = null;
    ws.on('upgrade', (response) => {
      if (this.ws === ws) this.cork = new TickCork(response.socket);
    });
    ws.on('open', () => this.onOpen(ws));
    ws.on('message', (data) => this.onMessage(String(data)));
    ws.on('pong', () => {
      this.awaitingPong = false;
    });
    ws.on('error', (err) => {
      lastError = err;
    });
    ws.once('close', (code, reason) => {
      if (this.ws !== ws) return;
      this.ws = null;
      const why = lastError ?? new SpoolConnectionError(`connection closed (${code}${reason.length > 0 ? `: ${reason.toString()}` : ''})`);
      this.onDropped(why);
    });
  }

  private onOpen(ws: WebSocket): void {
    if (this.ws !== ws || this.closed) return;
    this.backoff.reset();
    this.setStatus({ state: 'open' });
    this.startPing(ws);
    try {
      this.hooks.onOpen();
    } catch (err) {
      this.events.emitError(asError(err));
    }
    for (const entry of this.pending.values()) this.write(entry);
  }

  private onDropped(error: Error): void {
    this.stopPing();
    this.failPending(() => new SpoolConnectionError(`the connection to ${this.options.wsUrl} dropped before the reply: ${error.message}`, { cause: error }), false);
    this.hooks.onDisconnect();
    if (this.closed) return;
    const delayMs = this.backoff.next();
    this.setStatus({ state: 'reconnecting', attempt: this.backoff.attempts, delayMs, error });
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (!this.closed) this.connect();
    }, delayMs);
  }

  private onMessage(text: string): void {
    let frame: { op?: unknown; id?: unknown; ok?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } };
    try {
      frame = JSON.parse(text);
    } catch {
      this.events.emitError(new SpoolConnectionError('the broker sent a frame that is not JSON'));
      return;
    }
    if (frame.op === 'deliver') {
      this.hooks.onDeliver(frame as unknown as DeliverFrame);
      return;
    }
    if (frame.op === 'cancel') {
      const { queue, msgId } = frame as { queue?: unknown; msgId?: unknown };
      if (typeof queue === 'string' && typeof msgId === 'string') this.hooks.onCancel(queue, msgId);
      return;
    }
    const entry = typeof frame.id === 'number' ? this.pending.get(frame.id) : undefined;
    if (!entry) {
      if (frame.ok === false && frame.id === null) {
        this.events.emitError(new SpoolClientError(String(frame.error?.code), `the broker refused a frame: ${String(frame.error?.message)}`));
      }
      return; // a reply that came after its request timed out
    }
    this.pending.delete(frame.id as number);
    if (frame.ok === true) entry.resolve(frame.result);
    else entry.reject(new SpoolClientError(String(frame.error?.code ?? 'INTERNAL'), String(frame.error?.message ?? 'request failed')));
  }

  private write(entry: Pending): void {
    if (entry.text === null || !this.ws) return;
    const text = entry.text;
    entry.text = null;
    this.cork?.hold(text.length);
    this.ws.send(text);
  }

  /** Rejects requests already written (they may have run); with `all`, also those still waiting. */
  private failPending(error: () => Error, all: boolean): void {
    for (const [id, entry] of this.pending) {
      if (!all && entry.text !== null) continue;
      this.pending.delete(id);
      entry.reject(error());
    }
  }

  private watchTimeouts(): void {
    if (this.timeoutTimer) return;
    const every = Math.max(10, Math.min(1000, Math.floor(this.options.requestTimeoutMs / 4)));
    this.timeoutTimer = setInterval(() => this.expireRequests(), every);
    this.timeoutTimer.unref();
  }

  /** All requests share one timeout, so the pending map (in id order) is in deadline order too. */
  private expireRequests(): void {
    const now = Date.now();
    for (const [id, entry] of this.pending) {
      if (entry.deadline > now) break;
      this.pending.delete(id);
      entry.reject(new SpoolTimeoutError(`${entry.op}: no reply within ${this.options.requestTimeoutMs} ms`));
    }
    if (this.pending.size === 0 && this.timeoutTimer) {
      clearInterval(this.timeoutTimer);
      this.timeoutTimer = null;
    }
  }

  private startPing(ws: WebSocket): void {
    this.awaitingPong = false;
    this.pingTimer = setInterval(() => {
      if (this.awaitingPong) {
        ws.terminate();
        return;
      }
      this.awaitingPong = true;
      ws.ping();
    }, this.options.pingIntervalMs);
    this.pingTimer.unref();
  }

  private stopPing(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  private setStatus(status: ConnectionStatus): void {
    this.current = status;
    this.events.emitStatus(status);
  }
}
