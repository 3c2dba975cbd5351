/**
 * Queue rows: create (idempotent, also when two brokers create one name at once), read, list by
 * prefix, update attributes, delete, purge.
 *
 * Other brokers change queues too, so the name → row cache is trusted only while the wake channel
 * is connected: every change here is announced ('changed'), and each broker drops its cached row
 * when it hears of one (`forget`). While the channel is down the cache is off and every read goes to
 * the database; on reconnect it starts empty.
 */
import type { QueueAttributes } from '../../engine/attributes.js';
import { QUEUE_COLUMNS, toQueueRow, toRecord, type QueueRow, type RawQueueRow } from '../rows.js';
import { checkDeadLetterTarget, checkDeletable, queueNotFound } from '../rules.js';
import type { ListQueuesQuery, QueueRecord } from '../store.js';
import type { Client } from './connection.js';


export class QueueDirectory {
  private readonly byName = new Map<string, QueueRow>();
  private readonly byId = new Map<number, QueueRow>();
  private caching = false;

  /** Turns the cache on (the wake channel is listening) or off (it is not); either way it starts empty. */
  setCaching(on: boolean): void {
    this.caching = on;
    this.byName.clear();
    this.byId.clear();
  }

  /** Another broker (or this one) changed or deleted the queue. */
  forget(name: string): void {
    const row = this.byName.get(name);
    if (!row) return;
    this.byName.delete(name);
    this.byId.delete(row.id);
  }

  async find(c: Client, name: string): Promise<QueueRow | null> {
    const cached = this.byName.get(name);
    if (cached) return cached;
    const { rows } = await c.query<RawQueueRow>({ name: 'spool_queue_by_name', text: `SELECT ${QUEUE_COLUMNS} FROM queues WHERE name = $1`, values: [name] });
    return rows[0] ? this.remember(rows[0]) : null;
  }

  async findById(c: Client, id: number): Promise<QueueRow | null> {
    const cached = this.byId.get(id);
    if (cached) return cached;
    const { rows } = await c.query<RawQueueRow>({ name: 'spool_queue_by_id', text: `SELECT ${QUEUE_COLUMNS} FROM queues WHERE id = $1`, values: [id] });
    return rows[0] ? this.remember(rows[0]) : null;
  }

  async get(c: Client, name: string): Promise<QueueRow> {
    const row = await this.find(c, name);
    if (!row) throw queueNotFound(name);
    return row;
  }

  /** Every queue, read fresh (the sweeper's walk). */
  async every(c: Client): Promise<QueueRow[]> {
    const { rows } = await c.query<RawQueueRow>(`SELECT ${QUEUE_COLUMNS} FROM queues ORDER BY id`);
    return rows.map(toQueueRow);
  }

  async create(c: Client, name: string, attributes: QueueAttributes, now: number): Promise<{ created: boolean; queue: QueueRecord }> {
    const existing = await this.fresh(c, name, '');
    if (existing) return { created: false, queue: toRecord(existing) };
    await this.checkDeadLetterTarget(c, name, attributes);
    const { rows } = await c.query<RawQueueRow>(
      `INSERT INTO queues (name, attributes, dead_letter_queue, created_at, modified_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (name) DO NOTHING RETURNING ${QUEUE_COLUMNS}`,
      [name, JSON.stringify(attributes), attributes.deadLetterPolicy?.deadLetterQueue ?? null, now],
    );
    if (rows[0]) return { created: true, queue: toRecord(toQueueRow(rows[0])) };
    // Another broker created it between our read and our insert: theirs stands.
    const theirs = await this.fresh(c, name, '');
    if (!theirs) throw queueNotFound(name);
    return { created: false, queue: toRecord(theirs) };
  }

  async update(c: Client, name: string, attributes: QueueAttributes, now: number): Promise<QueueRecord> {
    const row = await this.fresh(c, name, 'FOR UPDATE');
    if (!row) throw queueNotFound(name);
    await this.checkDeadLetterTarget(c, name, attributes);
    await c.query('UPDATE queues SET attributes = $1, dead_letter_queue = $2, modified_at = $3 WHERE id = $4', [
      JSON.stringify(attributes),
      attributes.deadLetterPolicy?.deadLetterQueue ?? null,
      now,
      row.id,
    ]);
    this.forget(name);
    return toRecord({ ...row, attributes, modifiedAt: now });
  }

  /** Deletes the queue with its messages and dedup entries (ON DELETE CASCADE) and its counters. */
  async delete(c: Client, name: string): Promise<void> {
    const row = await this.fresh(c, name, 'FOR UPDATE');
    if (!row) throw queueNotFound(name);
    checkDeletable(name, await this.sourcesOf(c, name));
    await c.query('DELETE FROM queues WHERE id = $1', [row.id]);
    await c.query('DELETE FROM queue_counts WHERE queue_id = $1', [row.id]);
    this.forget(name);
  }

  async purge(c: Client, name: string): Promise<number> {
    const row = await this.get(c, name);
    await c.query('DELETE FROM dedup WHERE queue_id = $1', [row.id]);
    return (await c.query('DELETE FROM messages WHERE queue_id = $1', [row.id])).rowCount ?? 0;
  }

  async list(c: Client, query: ListQueuesQuery): Promise<{ total: number; queues: QueueRecord[] }> {
    // starts_with, not LIKE: names may contain '_', LIKE's wildcard. Byte order, as in SQLite.
    const { rows } = await c.query<RawQueueRow & { total: number }>(
      `SELECT ${QUEUE_COLUMNS}, count(*) OVER () AS total FROM queues WHERE starts_with(name, $1) ORDER BY name COLLATE "C" LIMIT $2 OFFSET $3`,
      [query.prefix, query.limit, query.offset],
    );
    let total = rows[0]?.total;
    if (total === undefined) {
      total = (await c.query<{ n: number }>('SELECT count(*) AS n FROM queues WHERE starts_with(name, $1)', [query.prefix])).rows[0]!.n;
    }
    return { total, queues: rows.map((raw) => toRecord(toQueueRow(raw))) };
  }

  private async sourcesOf(c: Client, name: string): Promise<string[]> {
    const { rows } = await c.query<{ name: string }>('SELECT name FROM queues WHERE dead_letter_queue = $1 ORDER BY name COLLATE "C"', [name]);
    return rows.map((r) => r.name);
  }

  /** Reads the row past the cache, optionally locking it (`FOR UPDATE`, `FOR SHARE`). */
  private async fresh(c: Client, name: string, lock: '' | 'FOR UPDATE' | 'FOR SHARE'): Promise<QueueRow | null> {
    const { rows } = await c.query<RawQueueRow>(`SELECT ${QUEUE_COLUMNS} FROM queues WHERE name = $1 ${lock}`, [name]);
    return rows[0] ? toQueueRow(rows[0]) : null;
  }

  private async checkDeadLetterTarget(c: Client, name: string, attributes: QueueAttributes): Promise<void> {
    const target = attributes.deadLetterPolicy?.deadLetterQueue;
    if (target === undefined) return;
    // The target is locked so that it cannot gain a policy or be deleted while it is being bound.
    const targetRow = target === name ? null : await this.fresh(c, target, 'FOR SHARE');
    checkDeadLetterTarget(name, target, {
      target: targetRow?.attributes ?? null,
      sourcesOfQueue: await this.sourcesOf(c, name),
      sourcesOfTarget: await this.sourcesOf(c, target),
    });
  }

  private remember(raw: RawQueueRow): QueueRow {
    const row = toQueueRow(raw);
    if (this.caching) {
      this.byName.set(row.name, row);
      this.byId.set(row.id, row);
    }
    return row;
  }
}

