/**
 * The PostgreSQL Store: for several broker processes on one database. Operations run in short
 * transactions on pooled connections (connection.ts says why that is the group commit), leases
 * are taken with FOR UPDATE SKIP LOCKED (lease.ts), expiry needs no leader (expiry.ts), and brokers
 * wake each other's consumers with LISTEN/NOTIFY (wake-channel.ts).
 *
 * The store is usable at once: the schema is migrated on first use (or `await store.ready()`), and
 * a migration that failed because the server was unreachable is tried again by the next operation.
 * Connection failures reject with STORE_FAILED; pg's pools reconnect by themselves, so operations
 * succeed again once the server is back, without reopening the store.
 */
import { randomBytes } from 'node:crypto';
import type { QueueAttributes } from '../../engine/attributes.js';
import { SpoolError } from '../../errors.js';
import { checkDurability, type CancelOutcome, type ExpireResult, type LeasedMessage, type ListQueuesQuery, type NewMessage, type QueueRecord, type QueueStats, type Receipt, type Store, type StoreDurability, type StoreEvent, type WakeResult } from '../store.js';
import { Connections, redactConnectionString, sqlState, type Client } from './connection.js';
import { Cancellations } from './cancellations.js';
import { DeadLetters } from './dead-letter.js';
import { enqueue, enqueueTogether, type EnqueueCall } from './enqueue.js';
import { Expiry } from './expiry.js';
import { Leases, type AckCall, type CompleteCall } from './lease.js';
import { migrate } from './migrate.js';
import { initialState, STATE, toRecord, type QueueRow } from '../rows.js';
import { queueNotFound } from '../rules.js';
import { toTopicRecord } from '../topic-rows.js';
import { QueueDirectory } from './queues.js';
import { rewind, stats } from './queue-state.js';
import { TickBatch } from './tick-batch.js';
import * as topics from './topics.js';
import type { FanOutCopy, ListTopicsQuery, NewSubscription, SubscriptionSettings, TopicAttributes } from '../topic-store.js';
import { WakeChannel } from './wake-channel.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database` (libpq URL; `?host=/socket/dir` for a Unix socket). */
  connectionString: string;
  /** Default 'fsync': synchronous_commit on for every acknowledged write. 'process': off. */
  durability?: StoreDurability;
  /** The PostgreSQL schema for Spool's tables (letters, digits, _), default 'spool'; several Spools may share a database in different schemas. */
  schema?: string;
  /** Connections for writes, default 10; leases use half as many more, the listener one. */
  poolSize?: number;
  /** Called with failures of background work (the listener, notices); default: ignore. */
  onError?: (err: unknown) => void;
}

export class PostgresStore implements Store {
  private readonly db: Connections;
  private readonly queues = new QueueDirectory();
  private readonly deadLetters = new DeadLetters(this.queues);
  private readonly cancellations = new Cancellations(this.queues);
  private readonly leases = new Leases(this.deadLetters, this.cancellations);
  private readonly expiry = new Expiry(this.queues, this.deadLetters, this.cancellations);
  private readonly channel: WakeChannel;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly where: string;
  private readonly schema: string;
  private readonly onError: (err: unknown) => void;
  private migrated: Promise<void> | null = null;
  // Group commit (tick-batch.ts): one transaction per queue for each turn's sends, acks, completes.
  private readonly sends = new TickBatch<EnqueueCall, string[]>(async (queue, calls) => {
    if (calls.length > 1) {
      const together = await this.db.transaction(async (c) => enqueueTogether(c, await this.queue(c, queue), calls));
      if (together) return together.map((value) => ({ ok: true, value }));
    }
    // One call, or a batch the cap refuses as a whole: each call alone, for its own answer.
    return Promise.all(calls.map((call) => this.enqueueAlone(queue, call).then((value) => ({ ok: true as const, value }), (error: unknown) => ({ ok: false as const, error }))));
  });
  private readonly acks = new TickBatch<AckCall, (null | 'RECEIPT_HANDLE_STALE')[]>((queue, calls) =>
    this.db.session(async (c) => this.leases.ackBatch(c, await this.queue(c, queue), calls)),
  );
  private readonly completes = new TickBatch<CompleteCall, string>((_key, calls) =>
    this.db.transaction(async (c) => this.leases.completeBatch(c, await this.queue(c, calls[0]!.queue), await this.queue(c, calls[0]!.reply.queue), calls)),
  );
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private closing: Promise<void> | null = null;

  constructor(options: PostgresStoreOptions) {
    this.onError = options.onError ?? (() => {});
    this.schema = options.schema ?? 'spool';
    if (!/^[a-z_][a-z0-9_]{0,50}$/.test(this.schema)) throw new SpoolError('INVALID_PARAMETER', `schema must be lower-case letters, digits and _, got ${JSON.stringify(this.schema)}`);
    this.where = `${describe(options.connectionString)} (schema ${this.schema})`;
    const channel = `${this.schema}_wake`;
    this.db = new Connections({
      connectionString: options.connectionString,
      poolSize: options.poolSize ?? 10,
      synchronousCommit: checkDurability(options.durability) === 'fsync',
      schema: this.schema,
      onIdleError: this.onError,
    });
    this.channel = new WakeChannel({
      connectionString: options.connectionString,
      channel,
      senderId: randomBytes(6).toString('base64url'),
      onNotice: (event) => this.heard(event),
      onListening: (listening) => this.listening(listening),
      send: (payload) => this.db.query({ name: 'spool_notify', text: 'SELECT pg_notify($1, $2)', values: [channel, payload] }, false),
      onError: this.onError,
    });
    this.channel.start();
  }

  /** Resolves once the schema is up to date; rejects with STORE_SCHEMA_MISMATCH or STORE_FAILED. */
  ready(): Promise<void> {
    this.migrated ??= this.db.session((c) => migrate(c, this.schema, this.where)).catch((err: unknown) => {
      // Unreachable now is not unreachable forever: the next operation tries again.
      if (!(err instanceof SpoolError && err.code === 'STORE_SCHEMA_MISMATCH')) this.migrated = null;
      throw err;
    });
    return this.migrated;
  }

  watch(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- queues ----

  createQueue(name: string, attributes: QueueAttributes, now: number) {
    return this.op(async () => {
      const result = await this.db.transaction((c) => this.queues.create(c, name, attributes, now));
      if (result.created) this.channel.publish('changed', [name]);
      return result;
    });
  }

  getQueue(name: string): Promise<QueueRecord | null> {
    return this.op(() =>
      this.db.session(async (c) => {
        const row = await this.queues.find(c, name);
        return row && toRecord(row);
      }),
    );
  }

  listQueues(query: ListQueuesQuery) {
    return this.op(() => this.db.session((c) => this.queues.list(c, query)));
  }

  updateQueue(name: string, attributes: QueueAttributes, now: number) {
    return this.op(async () => {
      const queue = await this.db.transaction((c) => this.queues.update(c, name, attributes, now));
      this.channel.publish('changed', [name]);
      return queue;
    });
  }

  deleteQueue(name: string) {
    return this.op(async () => {
      await this.db.transaction((c) => this.queues.delete(c, name));
      this.channel.publish('changed', [name]);
    });
  }

  purgeQueue(name: string) {
    return this.op(() => this.db.transaction((c) => this.queues.purge(c, name)));
  }

  // ---- messages ----

  enqueue(queue: string, messages: NewMessage[], now: number, dedupWindowMs: number) {
    return this.op(async () => {
      // A dedupId needs its own transaction (its claim may wait on another broker's); the rest share one.
      const call = { messages, now, dedupWindowMs };
      const ids = messages.some((m) => m.dedupId !== null) ? await this.enqueueAlone(queue, call) : await this.sends.add(queue, call);
      if (messages.some((m) => readyNow(m, now))) this.committedReady(queue);
      return ids;
    }, queue);
  }

  claim(queue: string, max: number, leaseUntil: number, leaseToken: number, now: number): Promise<LeasedMessage[]> {
    return this.op(() => this.db.session(async (c) => this.leases.claim(c, await this.queue(c, queue), max, leaseUntil, leaseToken, now), false));
  }

  ack(queue: string, receipts: Receipt[], now: number) {
    return this.op(() => this.acks.add(queue, { receipts, now }));
  }

  changeVisibility(queue: string, receipt: Receipt, visibleAt: number, release: boolean, now: number, body?: string): Promise<WakeResult> {
    if (!release) {
      // An extension need not survive a database crash (the lease just ends sooner); a new body must.
      return this.op(async () => {
        await this.db.session(async (c) => this.leases.extend(c, await this.queue(c, queue), receipt, visibleAt, now, body), body !== undefined);
        return { woken: [] };
      });
    }
    return this.op(async () => this.announce(await this.db.transaction(async (c) => ({ woken: await this.leases.release(c, await this.queue(c, queue), receipt, visibleAt, now) }))));
  }

  cancel(queue: string, msgId: string, now: number): Promise<CancelOutcome> {
    return this.op(async () => {
      const outcome = await this.db.transaction(async (c) => this.leases.cancel(c, await this.queue(c, queue), msgId, now));
      // The consumer holding the lease may be connected to another broker: tell them all.
      if (outcome === 'running') this.channel.cancel(queue, msgId);
      return outcome;
    });
  }

  unclaim(queue: string, receipts: Receipt[], now: number) {
    return this.op(async () => {
      const { woken, left } = await this.db.session(async (c) => this.leases.unclaim(c, await this.queue(c, queue), receipts, now), false);
      // A receipt not returned is stale, or its message was cancelled while leased and must end.
      if (left.length > 0) woken.push(...(await this.db.transaction(async (c) => this.leases.endCancelled(c, await this.queue(c, queue), left, now))));
      return this.announce({ woken });
    });
  }

  complete(queue: string, receipt: Receipt, reply: { queue: string; message: NewMessage }, now: number) {
    return this.op(async () => {
      const msgId = await this.completes.add(`${queue}\n${reply.queue}`, { queue, receipt, reply, now });
      if (readyNow(reply.message, now)) this.committedReady(reply.queue);
      return msgId;
    }, reply.queue);
  }

  expire(now: number): Promise<ExpireResult> {
    return this.op(async () => this.announce(await this.db.transaction((c) => this.expiry.expire(c, now))));
  }

  sweep(now: number): Promise<WakeResult> {
    return this.op(async () => {
      const swept = await this.db.transaction((c) => this.expiry.sweep(c, now));
      const expired = await this.db.transaction((c) => this.expiry.expire(c, now));
      return this.announce({ woken: [...new Set([...swept.woken, ...expired.woken])] });
    });
  }

  rewind(queue: string, since: number, now: number) {
    return this.op(async () => {
      const count = await this.db.transaction(async (c) => rewind(c, await this.queue(c, queue), since, now));
      if (count > 0) this.channel.publish('ready', [queue]);
      return count;
    });
  }

  redrive(deadLetterQueue: string, now: number) {
    return this.op(async () => this.announce(await this.db.transaction(async (c) => this.deadLetters.redrive(c, await this.queue(c, deadLetterQueue), now))));
  }

  stats(queue: string, _now: number): Promise<QueueStats> {
    return this.op(() => this.db.session(async (c) => stats(c, await this.queue(c, queue))));
  }

  // ---- topics ----

  createTopic(name: string, attributes: TopicAttributes, now: number) {
    return this.op(() => this.db.transaction((c) => topics.createTopic(c, name, attributes, now)));
  }

  getTopic(name: string) {
    return this.op(() => this.db.session(async (c) => {
      const row = await topics.findTopic(c, name);
      return row && toTopicRecord(row);
    }));
  }

  listTopics(query: ListTopicsQuery) {
    return this.op(() => this.db.session((c) => topics.listTopics(c, query)));
  }

  publishTargets(topic: string) {
    return this.op(() => this.db.session((c) => topics.publishTargets(c, topic)));
  }

  updateTopic(name: string, attributes: TopicAttributes, now: number) {
    return this.op(() => this.db.transaction((c) => topics.updateTopic(c, name, attributes, now)));
  }

  deleteTopic(name: string) {
    return this.op(() => this.db.transaction((c) => topics.deleteTopic(c, name)));
  }

  createSubscription(subscription: NewSubscription, now: number, maxPerTopic: number, pushQueue: QueueAttributes) {
    return this.op(async () => {
      const created = await this.db.transaction((c) => topics.subscribe(c, this.queues, subscription, now, maxPerTopic, pushQueue));
      if (created.protocol === 'http') this.channel.publish('changed', [created.deliveryQueue]);
      return created;
    });
  }

  getSubscription(topic: string, name: string) {
    return this.op(() => this.db.session((c) => topics.getSubscription(c, topic, name)));
  }

  updateSubscription(topic: string, name: string, settings: SubscriptionSettings, now: number) {
    return this.op(() => this.db.transaction((c) => topics.updateSubscription(c, topic, name, settings, now)));
  }

  deleteSubscription(topic: string, name: string) {
    return this.op(async () => {
      const deleted = await this.db.transaction((c) => topics.unsubscribe(c, this.queues, topic, name));
      if (deleted !== null) this.channel.publish('changed', [deleted]);
    });
  }

  listSubscriptions(topic: string, query: ListTopicsQuery) {
    return this.op(() => this.db.session((c) => topics.listSubscriptions(c, topic, query)));
  }

  /** Every copy in one transaction; then each target queue's consumers, here and on other brokers, are woken. */
  fanOut(copies: FanOutCopy[], now: number) {
    return this.op(async () => {
      const ids = await this.db.transaction((c) => topics.fanOut(c, copies, now));
      for (const queue of new Set(copies.map((copy) => copy.queue))) this.committedReady(queue);
      return ids;
    });
  }

  drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.drained();
      await this.channel.close();
      await this.db.close();
    })();
    return this.closing;
  }

  // ---- internals ----

  /**
   * Runs an operation once the schema is ready, counted for drained(). `queue`: the queue whose row
   * an insert refers to; if another broker deleted it under a cached row, that is QUEUE_NOT_FOUND.
   */
  private async op<T>(run: () => Promise<T>, queue?: string): Promise<T> {
    if (this.closing) throw new SpoolError('CLOSED', 'the store is closed');
    this.inFlight++;
    try {
      await this.ready();
      return await run();
    } catch (err) {
      if (queue !== undefined && sqlState((err as SpoolError).cause) === '23503') {
        this.queues.forget(queue);
        throw queueNotFound(queue);
      }
      throw err;
    } finally {
      if (--this.inFlight === 0) {
        const idle = this.idle;
        this.idle = [];
        for (const resolve of idle) resolve();
      }
    }
  }

  private enqueueAlone(queue: string, call: EnqueueCall): Promise<string[]> {
    return this.db.transaction(async (c) => enqueue(c, await this.queue(c, queue), call.messages, call.now, call.dedupWindowMs));
  }

  private queue(c: Client, name: string): Promise<QueueRow> {
    return this.queues.get(c, name);
  }

  /**
   * A send or a complete's reply committed ready messages. The engine woke the queue's consumers
   * before the commit, and their claim (on another connection) may have missed the rows: wake
   * them again here, and the other brokers' too.
   */
  private committedReady(queue: string): void {
    this.emit({ kind: 'ready', queue });
    this.channel.publish('ready', [queue]);
  }

  /** Tells the other brokers which queues gained ready messages. */
  private announce<T extends WakeResult>(result: T): T {
    this.channel.publish('ready', result.woken);
    return result;
  }

  private heard(event: StoreEvent): void {
    if (event.kind === 'changed') this.queues.forget(event.queue);
    this.emit(event);
  }

  /** The listener (re)connected, or dropped: notices may have been missed, so trust nothing cached. */
  private listening(listening: boolean): void {
    this.queues.setCaching(listening);
    if (!listening) return;
    this.db
      .query<{ name: string }>({ text: 'SELECT name FROM queues' }, false)
      .then((rows) => {
        for (const { name } of rows) {
          this.emit({ kind: 'changed', queue: name });
          this.emit({ kind: 'ready', queue: name });
        }
      })
      .catch((err: unknown) => {
        // A fresh database has no schema yet: nothing to resync.
        if (sqlState((err as SpoolError).cause) !== '42P01') this.onError(err);
      });
  }

  private emit(event: StoreEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.onError(err);
      }
    }
  }
}

/** The database named in errors, without the password. */
function describe(connectionString: string): string {
  const shown = redactConnectionString(connectionString);
  return shown === null ? 'the PostgreSQL database' : `PostgreSQL database ${shown}`;
}

/** Stored ready to claim: neither delayed nor already leased to a waiting consumer. */
function readyNow(message: NewMessage, now: number): boolean {
  return initialState(message, now) === STATE.ready;
}
