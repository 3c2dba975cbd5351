/**
 * Queue rows: create (idempotent), read, list by prefix, update attributes, delete, purge.
 * The directory caches name → row for the operations that run on every message; it is the one
 * writer of the queues table, so the cache stays exact (a failed commit clears it).
 */
import type { Database, Statement } from 'better-sqlite3';
import type { QueueAttributes } from '../../engine/attributes.js';
import { QUEUE_COLUMNS, toQueueRow, toRecord, type QueueRow, type RawQueueRow } from '../rows.js';
import { checkDeadLetterTarget, checkDeletable, queueNotFound } from '../rules.js';
import type { ListQueuesQuery, QueueRecord } from '../store.js';
import type { QueueCounts } from './counts.js';

export type { QueueRow };

export class QueueDirectory {
  private cache = new Map<string, QueueRow | null>();
  private readonly byName: Statement<[string], RawQueueRow>;
  private readonly nameById: Statement<[number], { name: string }>;
  private readonly all: Statement<[], RawQueueRow>;
  private readonly insert: Statement<[string, string, string | null, number, number]>;
  private readonly update: Statement<[string, string | null, number, number]>;
  private readonly remove: Statement<[number]>;
  private readonly removeMessages: Statement<[number]>;
  private readonly removeDedup: Statement<[number]>;
  private readonly sourcesOf: Statement<[string], { name: string }>;
  private readonly count: Statement<[string, string], { n: number }>;
  private readonly page: Statement<[string, string, number, number], RawQueueRow>;

  constructor(db: Database, private readonly counts: QueueCounts) {
    const columns = QUEUE_COLUMNS;
    this.byName = db.prepare(`SELECT ${columns} FROM queues WHERE name = ?`);
    this.nameById = db.prepare('SELECT name FROM queues WHERE id = ?');
    this.all = db.prepare(`SELECT ${columns} FROM queues`);
    this.insert = db.prepare('INSERT INTO queues (name, attributes, dead_letter_queue, created_at, modified_at) VALUES (?, ?, ?, ?, ?)');
    this.update = db.prepare('UPDATE queues SET attributes = ?, dead_letter_queue = ?, modified_at = ? WHERE id = ?');
    this.remove = db.prepare('DELETE FROM queues WHERE id = ?');
    this.removeMessages = db.prepare('DELETE FROM messages WHERE queue_id = ?');
    this.removeDedup = db.prepare('DELETE FROM dedup WHERE queue_id = ?');
    this.sourcesOf = db.prepare('SELECT name FROM queues WHERE dead_letter_queue = ? ORDER BY name');
    // Prefix match with a range, not LIKE: names may contain '_', LIKE's wildcard.
    this.count = db.prepare('SELECT count(*) AS n FROM queues WHERE name >= ? AND name < ? || char(1114111)');
    this.page = db.prepare(`SELECT ${columns} FROM queues WHERE name >= ? AND name < ? || char(1114111) ORDER BY name LIMIT ? OFFSET ?`);
  }

  /** The queue's row, or null; cached. */
  find(name: string): QueueRow | null {
    let row = this.cache.get(name);
    if (row === undefined) {
      const raw = this.byName.get(name);
      row = raw ? toQueueRow(raw) : null;
      this.cache.set(name, row);
    }
    return row;
  }

  findById(id: number): QueueRow | null {
    const raw = this.nameById.get(id);
    return raw ? this.find(raw.name) : null;
  }

  /** Every queue, read fresh (the sweeper's walk). */
  every(): QueueRow[] {
    return this.all.all().map(toQueueRow);
  }

  get(name: string): QueueRow {
    const row = this.find(name);
    if (!row) throw queueNotFound(name);
    return row;
  }

  create(name: string, attributes: QueueAttributes, now: number): { created: boolean; queue: QueueRecord } {
    const existing = this.find(name);
    if (existing) return { created: false, queue: toRecord(existing) };
    this.checkDeadLetterTarget(name, attributes);
    const dlq = attributes.deadLetterPolicy?.deadLetterQueue ?? null;
    const id = Number(this.insert.run(name, JSON.stringify(attributes), dlq, now, now).lastInsertRowid);
    const row: QueueRow = { id, name, attributes, createdAt: now, modifiedAt: now };
    this.cache.set(name, row);
    return { created: true, queue: toRecord(row) };
  }

  updateAttributes(name: string, attributes: QueueAttributes, now: number): QueueRecord {
    const row = this.get(name);
    this.checkDeadLetterTarget(name, attributes);
    const dlq = attributes.deadLetterPolicy?.deadLetterQueue ?? null;
    this.update.run(JSON.stringify(attributes), dlq, now, row.id);
    const updated: QueueRow = { ...row, attributes, modifiedAt: now };
    this.cache.set(name, updated);
    return toRecord(updated);
  }

  delete(name: string): void {
    const row = this.get(name);
    checkDeletable(name, this.deadLetterSources(name));
    this.removeMessages.run(row.id);
    this.removeDedup.run(row.id);
    this.remove.run(row.id);
    this.counts.drop(row.id);
    this.cache.set(name, null);
  }

  purge(name: string): number {
    const row = this.get(name);
    this.removeDedup.run(row.id);
    const removed = this.removeMessages.run(row.id).changes;
    this.counts.drop(row.id);
    return removed;
  }

  list(query: ListQueuesQuery): { total: number; queues: QueueRecord[] } {
    const total = this.count.get(query.prefix, query.prefix)!.n;
    const queues = this.page.all(query.prefix, query.prefix, query.limit, query.offset).map((raw) => toRecord(toQueueRow(raw)));
    return { total, queues };
  }

  deadLetterSources(name: string): string[] {
    return this.sourcesOf.all(name).map((s) => s.name);
  }

  /** Forgets every cached row; used after a failed commit, when the cache may be ahead of disk. */
  reset(): void {
    this.cache.clear();
  }

  private checkDeadLetterTarget(name: string, attributes: QueueAttributes): void {
    const target = attributes.deadLetterPolicy?.deadLetterQueue;
    if (target === undefined) return;
    checkDeadLetterTarget(name, target, {
      target: target === name ? null : (this.find(target)?.attributes ?? null),
      sourcesOfQueue: this.deadLetterSources(name),
      sourcesOfTarget: this.deadLetterSources(target),
    });
  }
}
