/**
 * The SQLite Store: one better-sqlite3 connection in WAL mode, owned exclusively by this process,
 * with every operation run through group commit (see group-commit.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SpoolError } from '../../errors.js';
import type { QueueAttributes } from '../../engine/attributes.js';
import { checkDurability, type ExpireResult, type ListQueuesQuery, type NewMessage, type Receipt, type Store, type StoreDurability, type WakeResult } from '../store.js';
import { QueueCounts } from './counts.js';
import { Cancellations } from './cancellations.js';
import { DeadLetters } from './dead-letter.js';
import { MessageWriter } from './enqueue.js';
import { Expiry } from './expiry.js';
import { GroupCommit, type CommitInfo } from './group-commit.js';
import { Leases } from './lease.js';
import { QueueDirectory } from './queues.js';
import { QueueState } from './queue-state.js';
import { Topics } from './topics.js';
import type { FanOutCopy, ListTopicsQuery, NewSubscription, SubscriptionSettings, TopicAttributes } from '../topic-store.js';
import { checkSchemaVersion } from '../migrations.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export interface SqliteStoreOptions {
  /** Database file; ':memory:' for a throwaway store. */
  path: string;
  /** Default 'fsync': every acknowledged write is synced before it resolves. */
  durability?: StoreDurability;
  /** Longest a batch of operations may hold the event loop before it commits; default 1 ms. */
  maxBatchMs?: number;
  /** Observes each commit (for metrics). */
  onCommit?: (info: CommitInfo) => void;
}

export const DEFAULT_SQLITE_PATH = './data/spool.db';

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly commits: GroupCommit;
  private readonly counts: QueueCounts;
  private readonly queues: QueueDirectory;
  private readonly writer: MessageWriter;
  private readonly leases: Leases;
  private readonly deadLetters: DeadLetters;
  private readonly expiry: Expiry;
  private readonly state: QueueState;
  private readonly topics: Topics;
  private closing: Promise<void> | null = null;

  constructor(options: SqliteStoreOptions) {
    const durability = checkDurability(options.durability);
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = openDatabase(options.path);
    try {
      migrate(this.db, options.path);
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.counts = new QueueCounts(this.db);
    this.counts.of(0); // count what is on disk now, not inside the first batch
    this.queues = new QueueDirectory(this.db, this.counts);
    this.writer = new MessageWriter(this.db, this.counts);
    this.deadLetters = new DeadLetters(this.db, this.queues, this.writer, this.counts);
    const cancellations = new Cancellations(this.db, this.queues, this.writer, this.counts);
    this.leases = new Leases(this.db, this.queues, this.writer, this.deadLetters, cancellations, this.counts);
    this.expiry = new Expiry(this.db, this.queues, this.deadLetters, cancellations, this.counts);
    this.state = new QueueState(this.db, this.queues, this.counts);
    this.topics = new Topics(this.db, this.queues, this.writer, this.counts);
    this.commits = new GroupCommit(this.db, {
      fsync: durability === 'fsync',
      maxBatchMs: options.maxBatchMs ?? 1,
      maxBatchOps: 1000,
      onFailure: () => {
        this.queues.reset();
        this.counts.invalidate();
      },
      onCommit: options.onCommit,
    });
  }

  createQueue(name: string, attributes: QueueAttributes, now: number) {
    return this.write(() => this.queues.create(name, attributes, now));
  }

  getQueue(name: string) {
    return this.read(() => {
      const row = this.queues.find(name);
      return row && { name: row.name, attributes: row.attributes, createdAt: row.createdAt, modifiedAt: row.modifiedAt };
    });
  }

  listQueues(query: ListQueuesQuery) {
    return this.read(() => this.queues.list(query));
  }

  updateQueue(name: string, attributes: QueueAttributes, now: number) {
    return this.write(() => this.queues.updateAttributes(name, attributes, now));
  }

  deleteQueue(name: string) {
    return this.write(() => this.queues.delete(name));
  }

  purgeQueue(name: string) {
    return this.write(() => this.queues.purge(name));
  }

  enqueue(queue: string, messages: NewMessage[], now: number, dedupWindowMs: number) {
    return this.write(() => this.writer.enqueue(this.queues.get(queue), messages, now, dedupWindowMs));
  }

  claim(queue: string, max: number, leaseUntil: number, leaseToken: number, now: number) {
    return this.read(() => this.leases.claim(queue, max, leaseUntil, leaseToken, now));
  }

  ack(queue: string, receipts: Receipt[], now: number) {
    return this.write(() => this.leases.ack(queue, receipts, now));
  }

  changeVisibility(queue: string, receipt: Receipt, visibleAt: number, release: boolean, now: number, body?: string) {
    // An extension need not survive power loss (the lease just ends sooner); a release must not
    // come back as a lease, so it is synced like an ack.
    return this.commits.run(() => ({ woken: this.leases.changeVisibility(queue, receipt, visibleAt, release, now, body) }), release || body !== undefined);
  }

  cancel(queue: string, msgId: string, now: number) {
    return this.write(() => this.leases.cancel(queue, msgId, now));
  }

  unclaim(queue: string, receipts: Receipt[], now: number) {
    return this.read(() => ({ woken: this.leases.unclaim(queue, receipts, now) }));
  }

  complete(queue: string, receipt: Receipt, reply: { queue: string; message: NewMessage }, now: number) {
    return this.write(() => this.leases.complete(queue, receipt, reply, now));
  }

  expire(now: number): Promise<ExpireResult> {
    return this.write(() => this.expiry.expire(now));
  }

  sweep(now: number): Promise<WakeResult> {
    return this.write(() => this.expiry.sweep(now));
  }

  rewind(queue: string, since: number, now: number) {
    return this.write(() => this.state.rewind(queue, since, now));
  }

  redrive(deadLetterQueue: string, now: number) {
    return this.write(() => this.deadLetters.redrive(this.queues.get(deadLetterQueue), now));
  }

  stats(queue: string, _now: number) {
    return this.read(() => this.state.stats(queue));
  }

  // ---- topics ----

  createTopic(name: string, attributes: TopicAttributes, now: number) {
    return this.write(() => this.topics.create(name, attributes, now));
  }

  getTopic(name: string) {
    return this.read(() => this.topics.find(name));
  }

  publishTargets(topic: string) {
    return this.read(() => this.topics.publishTargets(topic));
  }

  listTopics(query: ListTopicsQuery) {
    return this.read(() => this.topics.list(query));
  }

  updateTopic(name: string, attributes: TopicAttributes, now: number) {
    return this.write(() => this.topics.update(name, attributes, now));
  }

  deleteTopic(name: string) {
    return this.write(() => this.topics.delete(name));
  }

  createSubscription(subscription: NewSubscription, now: number, maxPerTopic: number, pushQueue: QueueAttributes) {
    return this.write(() => this.topics.subscribe(subscription, now, maxPerTopic, pushQueue));
  }

  getSubscription(topic: string, name: string) {
    return this.read(() => this.topics.getSubscription(topic, name));
  }

  updateSubscription(topic: string, name: string, settings: SubscriptionSettings, now: number) {
    return this.write(() => this.topics.updateSubscription(topic, name, settings, now));
  }

  deleteSubscription(topic: string, name: string) {
    return this.write(() => this.topics.unsubscribe(topic, name));
  }

  listSubscriptions(topic: string, query: ListTopicsQuery) {
    return this.read(() => this.topics.listSubscriptions(topic, query));
  }

  fanOut(copies: FanOutCopy[], now: number) {
    return this.write(() => this.topics.fanOut(copies, now));
  }

  drained(): Promise<void> {
    return this.commits.drained();
  }

  close(): Promise<void> {
    this.closing ??= this.commits.drained().then(() => {
      this.db.close();
    });
    return this.closing;
  }

  /** A write that must be committed (and synced in 'fsync' mode) before it resolves. */
  private write<T>(op: () => T): Promise<T> {
    if (this.closing) return Promise.reject(closedError());
    return this.commits.run(op, true);
  }

  /** Reads and leases: committed in order with the writes, not synced on their own. */
  private read<T>(op: () => T): Promise<T> {
    if (this.closing) return Promise.reject(closedError());
    return this.commits.run(op, false);
  }
}

function closedError(): SpoolError {
  return new SpoolError('CLOSED', 'the store is closed');
}

function openDatabase(path: string): Database.Database {
  const db = new Database(path, { timeout: 1000 });
  try {
    // Exclusive: one broker owns the file (a second one fails fast instead of corrupting leases),
    // and WAL needs no shared-memory index.
    db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    // Checkpoints run inside a commit, on the event loop: smaller ones keep each stall short.
    db.pragma('wal_autocheckpoint = 256');
    db.pragma('cache_size = -65536');
    db.pragma('temp_store = MEMORY');
    return db;
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') {
      throw new SpoolError('STORE_LOCKED', `${path} is in use by another Spool process`, { cause: err });
    }
    throw new SpoolError('STORE_FAILED', `cannot open ${path}: ${(err as Error).message}`, { cause: err });
  }
}

function migrate(db: Database.Database, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  checkSchemaVersion(path, current, SCHEMA_VERSION);
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}
