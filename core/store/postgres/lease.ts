/**
 * Leases: claim ready messages, and the operations that need the current lease (ack, change
 * visibility, release, complete), plus cancel and unclaim.
 *
 * A claim takes the highest-priority, oldest ready rows with FOR UPDATE SKIP LOCKED: brokers
 * claiming one queue at once each get different rows and never wait on each other. A lease is
 * current while the row is leased (state 1), carries the receipt's token and has not reached its
 * visible_at; anything else (expired, re-leased with a new token, deleted) fails with
 * RECEIPT_HANDLE_STALE and changes nothing. Every check of the lease is part of the statement that
 * acts on it, so a lease expired and claimed by another broker meanwhile is never acted on.
 */
import type { CancelOutcome, LeasedMessage, NewMessage, Receipt } from '../store.js';
import { receivesUsedUp, staleReceipt } from '../rules.js';
import { CANDIDATE_COLUMNS, deliveryOrder, MESSAGE_COLUMNS, STATE, toLeasedMessage, type DeadLetterCandidate, type MessageTuple } from '../rows.js';
import type { Client } from './connection.js';
import type { Cancellations } from './cancellations.js';
import type { DeadLetters } from './dead-letter.js';
import { insertMessages } from './enqueue.js';
import type { QueueRow } from '../rows.js';
import type { Outcome } from './tick-batch.js';

/** One ack call of a batch (tick-batch.ts). */
export interface AckCall {
  receipts: Receipt[];
  now: number;
}

/** One complete call of a batch; every call of a batch has the same queue and reply queue. */
export interface CompleteCall {
  queue: string;
  receipt: Receipt;
  reply: { queue: string; message: NewMessage };
  now: number;
}

/** A lease's identity: the message and the token of this lease (an old receipt of the same message has another). */
const leaseKey = (id: number | string, token: number | string): string => `${id}:${token}`;

const CURRENT_LEASE = `id = $1 AND queue_id = $2 AND state = ${STATE.leased} AND lease_token = $3 AND visible_at > $4`;
/** The same test for many receipts at once: rows of unnest($1 ids, $3 tokens) as r. */
const CURRENT_LEASES = `m.id = r.id AND m.queue_id = $2 AND m.state = ${STATE.leased} AND m.lease_token = r.token AND m.visible_at > $4`;

const CLAIM = {
  name: 'spool_claim',
  text: `UPDATE messages SET state = ${STATE.leased}, visible_at = $1, lease_token = $2, dequeue_count = dequeue_count + 1,
           first_dequeue_time = coalesce(first_dequeue_time, $3)
         WHERE id IN (SELECT id FROM messages WHERE queue_id = $4 AND state = ${STATE.ready} ORDER BY priority DESC, id LIMIT $5 FOR UPDATE SKIP LOCKED)
         RETURNING ${MESSAGE_COLUMNS}`,
  rowMode: 'array' as const,
};

/*
 * The statements that join messages to unnest($1 ids, $3 tokens) are left unnamed, so PostgreSQL
 * plans each run with its arrays in hand. A named (prepared) one soon gets a generic plan, and with
 * a queue's statistics stale (a queue that filled since the last ANALYZE) that plan scanned every
 * leased row of the queue once per receipt: 30-60 ms per batch of acks instead of 2-4 ms, measured
 * in docs/performance.md.
 */
const DELETE_LEASED = {
  text: `DELETE FROM messages m USING unnest($1::bigint[], $3::bigint[]) AS r(id, token) WHERE ${CURRENT_LEASES} RETURNING m.id, r.token`,
};

// With rewind on, a deleted message is kept (state 3) until rewindSeconds have passed.
const KEEP_LEASED = {
  text: `UPDATE messages m SET state = ${STATE.kept}, deleted_at = $4, lease_token = NULL
         FROM unnest($1::bigint[], $3::bigint[]) AS r(id, token) WHERE ${CURRENT_LEASES} RETURNING m.id, r.token`,
};

const EXTEND = {
  name: 'spool_extend',
  text: `UPDATE messages SET visible_at = $5, body = coalesce($6::bytea, body) WHERE ${CURRENT_LEASE} RETURNING id`,
};

const UNCLAIM = {
  text: `UPDATE messages m SET state = ${STATE.ready}, visible_at = $4, lease_token = NULL, dequeue_count = m.dequeue_count - 1,
           first_dequeue_time = CASE WHEN m.dequeue_count = 1 THEN NULL ELSE m.first_dequeue_time END
         FROM unnest($1::bigint[], $3::bigint[]) AS r(id, token) WHERE ${CURRENT_LEASES} AND m.cancelled_at IS NULL RETURNING m.id`,
};

const CANCELLED_LEASES = {
  text: `SELECT ${CANDIDATE_COLUMNS} FROM messages WHERE id IN (
           SELECT m.id FROM messages m, unnest($1::bigint[], $3::bigint[]) AS r(id, token) WHERE ${CURRENT_LEASES} AND m.cancelled_at IS NOT NULL)
         FOR UPDATE`,
};

export class Leases {
  constructor(private readonly deadLetters: DeadLetters, private readonly cancellations: Cancellations) {}

  async claim(c: Client, queue: QueueRow, max: number, leaseUntil: number, leaseToken: number, now: number): Promise<LeasedMessage[]> {
    const { rows } = await c.query<MessageTuple>({ ...CLAIM, values: [leaseUntil, leaseToken, now, queue.id, max] });
    // Bodies are stored as UTF-8 bytes (schema.ts).
    for (const row of rows) row[7] = (row[7] as unknown as Buffer).toString('utf8');
    // RETURNING follows no ORDER BY: restore priority, then age.
    return rows.sort(deliveryOrder).map(toLeasedMessage);
  }

  /**
   * Deletes each receipt's message if its lease is current (null), else RECEIPT_HANDLE_STALE. Several
   * calls share one statement; each gets the answers it would have had alone, in call order.
   */
  async ackBatch(c: Client, queue: QueueRow, calls: AckCall[]): Promise<Outcome<(null | 'RECEIPT_HANDLE_STALE')[]>[]> {
    const done = await this.remove(c, queue, calls.flatMap((call) => call.receipts), latest(calls));
    // A handle given twice is deleted once: the second finds no current lease, as in SQLite.
    return calls.map((call) => ({ ok: true, value: call.receipts.map((r) => (done.delete(leaseKey(r.msgId, r.leaseToken)) ? null : 'RECEIPT_HANDLE_STALE')) }));
  }

  /** Moves a current lease's end (and maybe body): one statement, no transaction needed. */
  async extend(c: Client, queue: QueueRow, r: Receipt, visibleAt: number, now: number, body: string | undefined): Promise<void> {
    const { rowCount } = await c.query({ ...EXTEND, values: [Number(r.msgId), queue.id, r.leaseToken, now, visibleAt, body === undefined ? null : Buffer.from(body, 'utf8')] });
    if (rowCount === 0) throw staleReceipt();
  }

  /** Gives a lease up (in a transaction); returns the queues that gained ready messages. */
  async release(c: Client, queue: QueueRow, r: Receipt, visibleAt: number, now: number): Promise<string[]> {
    const message = await this.current(c, queue, r, now);
    if (message.cancelled_at !== null) return this.cancellations.end(c, message, queue, now);
    const deadLettered = receivesUsedUp(queue.attributes, message.dequeue_count) ? await this.deadLetters.deadLetter(c, message, queue, 'maxReceiveCount', now) : null;
    if (deadLettered) return deadLettered;
    const state = visibleAt > now ? STATE.delayed : STATE.ready;
    await c.query('UPDATE messages SET state = $1, visible_at = $2, lease_token = NULL WHERE id = $3', [state, visibleAt, message.id]);
    return state === STATE.ready ? [queue.name] : [];
  }

  /** In a transaction. */
  async cancel(c: Client, queue: QueueRow, msgId: string, now: number): Promise<CancelOutcome> {
    const id = Number(msgId);
    const { rows } = await c.query<{ state: number; visible_at: number }>('SELECT state, visible_at FROM messages WHERE id = $1 AND queue_id = $2 FOR UPDATE', [id, queue.id]);
    const row = rows[0];
    if (!row || row.state === STATE.kept) return 'gone';
    if (row.state === STATE.leased && row.visible_at > now) {
      await this.cancellations.mark(c, id, now);
      return 'running';
    }
    await this.cancellations.remove(c, id);
    return 'removed';
  }

  /**
   * Undoes claims whose messages nobody saw: ready again, delivery not counted. One statement, no
   * transaction. Returns the receipts it did not return: stale, or cancelled (see endCancelled).
   */
  async unclaim(c: Client, queue: QueueRow, receipts: Receipt[], now: number): Promise<{ woken: string[]; left: Receipt[] }> {
    const { rows } = await c.query<{ id: number }>({ ...UNCLAIM, values: [receipts.map((r) => Number(r.msgId)), queue.id, receipts.map((r) => r.leaseToken), now] });
    const returned = new Set(rows.map((row) => String(row.id)));
    return { woken: returned.size > 0 ? [queue.name] : [], left: receipts.filter((r) => !returned.has(r.msgId)) };
  }

  /** In a transaction: ends the messages of these current leases that were cancelled while leased. */
  async endCancelled(c: Client, queue: QueueRow, receipts: Receipt[], now: number): Promise<string[]> {
    const { rows } = await c.query<DeadLetterCandidate>({ ...CANCELLED_LEASES, values: [receipts.map((r) => Number(r.msgId)), queue.id, receipts.map((r) => r.leaseToken), now] });
    const woken = new Set<string>();
    for (const row of rows) for (const name of await this.cancellations.end(c, row, queue, now)) woken.add(name);
    return [...woken];
  }

  /**
   * In a transaction: each call's delete and reply commit together, or neither. Several calls share
   * one delete and one insert; a call whose lease is not current fails alone (RECEIPT_HANDLE_STALE).
   */
  async completeBatch(c: Client, queue: QueueRow, replyQueue: QueueRow, calls: CompleteCall[]): Promise<Outcome<string>[]> {
    const now = latest(calls);
    const done = await this.remove(c, queue, calls.map((call) => call.receipt), now);
    const won = calls.map((call) => done.delete(leaseKey(call.receipt.msgId, call.receipt.leaseToken)));
    const msgIds = await insertMessages(c, replyQueue.id, calls.filter((_, i) => won[i]).map((call) => call.reply.message), now, null);
    let next = 0;
    return won.map((ok) => (ok ? { ok: true, value: msgIds[next++]! } : { ok: false, error: staleReceipt() }));
  }

  /** Deletes (or keeps, for rewind) the messages whose leases are current; returns their lease keys. */
  private async remove(c: Client, queue: QueueRow, receipts: Receipt[], now: number): Promise<Set<string>> {
    const statement = queue.attributes.rewindSeconds > 0 ? KEEP_LEASED : DELETE_LEASED;
    const { rows } = await c.query<{ id: number; token: number }>({ ...statement, values: [receipts.map((r) => Number(r.msgId)), queue.id, receipts.map((r) => r.leaseToken), now] });
    return new Set(rows.map((row) => leaseKey(row.id, row.token)));
  }

  private async current(c: Client, queue: QueueRow, r: Receipt, now: number): Promise<DeadLetterCandidate> {
    const { rows } = await c.query<DeadLetterCandidate>(`SELECT ${CANDIDATE_COLUMNS} FROM messages WHERE ${CURRENT_LEASE} FOR UPDATE`, [Number(r.msgId), queue.id, r.leaseToken, now]);
    if (!rows[0]) throw staleReceipt();
    return rows[0];
  }
}

/** The latest clock reading of a batch's calls: a lease must still be current then (the stricter test). */
function latest(calls: { now: number }[]): number {
  let now = -Infinity;
  for (const call of calls) if (call.now > now) now = call.now;
  return now;
}
