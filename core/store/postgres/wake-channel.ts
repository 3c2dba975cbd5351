/**
 * Wake-ups across brokers with LISTEN/NOTIFY. Each store listens on one dedicated connection (a
 * pooled one cannot hold a LISTEN) and publishes, after its commits, which queues gained ready
 * messages ('r'), which queues were created, changed or deleted ('c'), and which leased messages
 * were cancelled ('x', queue:msgId), since the consumer holding the lease may be connected to
 * another broker. A notice carries the sender's id, so a broker skips its own.
 *
 * Notices are sent outside the data transactions, coalesced per event-loop turn: a NOTIFY inside a
 * transaction takes a database-wide lock held through its commit, which would serialise every
 * commit of every broker. A notice is a hint: one lost while a connection drops costs only a late
 * wake-up, and on every (re)connect the listener reports `resync` so the store wakes everything.
 *
 * The listener reconnects by itself with capped, jittered exponential backoff.
 */
import pg from 'pg';
import type { StoreEvent } from '../store.js';


/** pg_notify payloads must stay below 8000 bytes. */
const PAYLOAD_MAX = 7000;
const BACKOFF_MIN_MS = 100;
const BACKOFF_MAX_MS = 5000;

type WakeKind = 'ready' | 'changed';

export interface WakeChannelOptions {
  connectionString: string;
  /** The channel: one per Spool schema. */
  channel: string;
  senderId: string;
  /** A notice from another broker. */
  onNotice: (event: StoreEvent) => void;
  /** Listening (true) or not (false); true again after each reconnect: notices may have been missed. */
  onListening: (listening: boolean) => void;
  /** Sends one payload (through a pooled connection). */
  send: (payload: string) => Promise<unknown>;
  onError: (err: unknown) => void;
}

export class WakeChannel {
  private client: pg.Client | null = null;
  private closed = false;
  private failures = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private pending = new Map<string, WakeKind | 'both'>();
  private cancels: string[] = [];
  private flushScheduled = false;

  constructor(private readonly options: WakeChannelOptions) {}

  start(): void {
    void this.connect();
  }

  /** Announces, after the current turn, that these queues gained ready messages or changed. */
  publish(kind: WakeKind, queues: Iterable<string>): void {
    if (this.closed) return;
    for (const queue of queues) {
      const had = this.pending.get(queue);
      this.pending.set(queue, had === undefined || had === kind ? kind : 'both');
    }
    this.schedule();
  }

  /** Announces, after the current turn, that a leased message was cancelled. */
  cancel(queue: string, msgId: string): void {
    if (this.closed) return;
    this.cancels.push(`x${queue}:${msgId}`);
    this.schedule();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => {});
  }

  private schedule(): void {
    if ((this.pending.size === 0 && this.cancels.length === 0) || this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.flushScheduled = false;
    const items: string[] = this.cancels;
    this.cancels = [];
    for (const [queue, kind] of this.pending) {
      if (kind !== 'changed') items.push(`r${queue}`);
      if (kind !== 'ready') items.push(`c${queue}`);
    }
    this.pending.clear();
    const prefix = `${this.options.senderId} `;
    let payload = '';
    for (const item of items) {
      if (payload !== '' && prefix.length + payload.length + item.length + 1 > PAYLOAD_MAX) {
        this.send(prefix + payload);
        payload = '';
      }
      payload = payload === '' ? item : `${payload},${item}`;
    }
    if (payload !== '') this.send(prefix + payload);
  }

  private send(payload: string): void {
    this.options.send(payload).catch(this.options.onError);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.options.connectionString, connectionTimeoutMillis: 5000, keepAlive: true });
    let dropped = false;
    const drop = (err: unknown) => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) this.client = null;
      client.end().catch(() => {});
      if (this.closed) return;
      this.options.onListening(false);
      if (err) this.options.onError(err);
      this.retry();
    };
    client.on('error', drop);
    client.on('end', () => drop(null));
    client.on('notification', (msg) => {
      if (msg.channel === this.options.channel && msg.payload) this.receive(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.options.channel}`);
    } catch (err) {
      drop(err);
      return;
    }
    if (this.closed || dropped) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
    this.failures = 0;
    this.options.onListening(true);
  }

  private retry(): void {
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** this.failures++);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.connect();
    }, delay);
  }

  private receive(payload: string): void {
    const space = payload.indexOf(' ');
    if (space < 0 || payload.slice(0, space) === this.options.senderId) return;
    for (const item of payload.slice(space + 1).split(',')) {
      const rest = item.slice(1);
      if (item[0] === 'r') this.options.onNotice({ kind: 'ready', queue: rest });
      else if (item[0] === 'c') this.options.onNotice({ kind: 'changed', queue: rest });
      else if (item[0] === 'x') {
        // queue:msgId (queue names have no ':')
        const colon = rest.lastIndexOf(':');
        this.options.onNotice({ kind: 'cancel', queue: rest.slice(0, colon), msgId: rest.slice(colon + 1) });
      }
    }
  }
}
