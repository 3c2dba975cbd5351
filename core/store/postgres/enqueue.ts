/**
 * enqueue: insert messages in order, ready or delayed by their visibleAt, in one statement.
 * - A dedupId seen in this queue within the window returns the first msgId and stores nothing.
 *   The dedup row is claimed before the messages are stored, so two brokers sending one dedupId at
 *   once store it once: the second waits on the first's uncommitted row and then sees it.
 * - Fails with BACKLOG_FULL, storing none of the batch, when the queue's unfinished messages
 *   (ready, leased, delayed) would exceed maxMsgHeapNum. The count is the sum of the queue's counter
 *   slots (schema.ts); near the cap, sends to the queue take turns so that it holds exactly (checkCap).
 */
import type { NewMessage } from '../store.js';
import { checkBacklog, planDedup } from '../rules.js';
import type { Client } from './connection.js';
import type { QueueRow } from '../rows.js';
import { initialState } from '../rows.js';
import { SpoolError } from '../../errors.js';

/** One send call (enqueue) of a batch (tick-batch.ts). */
export interface EnqueueCall {
  messages: NewMessage[];
  now: number;
  dedupWindowMs: number;
}

const INSERT = {
  name: 'spool_insert_messages',
  text: `INSERT INTO messages (queue_id, state, priority, visible_at, enqueue_time, body, attributes, reply_to, correlation_id, source_queue,
           lease_token, dequeue_count, first_dequeue_time)
         SELECT $1, s, p, v, $2::bigint, b, a, r, c, $3, t, CASE WHEN t IS NULL THEN 0 ELSE 1 END, CASE WHEN t IS NULL THEN NULL ELSE $2::bigint END
         FROM unnest($4::smallint[], $5::integer[], $6::bigint[], $7::bytea[], $8::text[], $9::text[], $10::text[], $11::bigint[]) AS m(s, p, v, b, a, r, c, t)
         RETURNING id`,
};

/** Advisory lock class of the per-queue cap lock (with the queue id as the second key). */
const CAP_LOCK = 0x5350;
const CAP_MARGIN = 16_000;

const BACKLOG = {
  name: 'spool_backlog',
  text: 'SELECT coalesce(sum(ready + leased + delayed), 0)::bigint AS n FROM queue_counts WHERE queue_id = $1',
};

/** Claims each dedupId that has no live entry (new, or expired); returns the ids claimed. */
const CLAIM_DEDUP = {
  name: 'spool_claim_dedup',
  text: `INSERT INTO dedup AS d (queue_id, dedup_id, msg_id, expires_at) SELECT $1, unnest($2::text[]), 0, $3
         ON CONFLICT (queue_id, dedup_id) DO UPDATE SET msg_id = 0, expires_at = excluded.expires_at WHERE d.expires_at <= $4
         RETURNING dedup_id`,
};

export async function enqueue(c: Client, queue: QueueRow, messages: NewMessage[], now: number, dedupWindowMs: number): Promise<string[]> {
  const dedupIds = [...new Set(messages.flatMap((m) => (m.dedupId === null ? [] : [m.dedupId])))];
  const known = new Map<string, number>();
  if (dedupIds.length > 0) {
    const claimed = new Set((await c.query<{ dedup_id: string }>({ ...CLAIM_DEDUP, values: [queue.id, dedupIds, now + dedupWindowMs, now] })).rows.map((r) => r.dedup_id));
    const taken = dedupIds.filter((id) => !claimed.has(id));
    if (taken.length > 0) {
      const { rows } = await c.query<{ dedup_id: string; msg_id: number }>('SELECT dedup_id, msg_id FROM dedup WHERE queue_id = $1 AND dedup_id = ANY($2)', [queue.id, taken]);
      for (const row of rows) known.set(row.dedup_id, row.msg_id);
    }
  }
  // Duplicates are found before the cap is checked: a retried send that was already accepted gets
  // its msgId back even when the queue is full, and stores nothing, so it does not count.
  const plan = planDedup(messages, (id) => known.has(id));
  if (plan.stored > 0) await checkCap(c, queue, plan.stored);
  const fresh = messages.filter((_, i) => plan.earlier[i] === -1);
  const freshIds = await insertMessages(c, queue.id, fresh, now, null);
  const ids: string[] = [];
  let next = 0;
  messages.forEach((message, i) => {
    const earlier = plan.earlier[i]!;
    if (earlier === 'known') ids.push(String(known.get(message.dedupId!)));
    else if (earlier === -1) ids.push(freshIds[next++]!);
    else ids.push(ids[earlier]!);
  });
  const owned = messages.flatMap((m, i) => (m.dedupId !== null && plan.earlier[i] === -1 ? [[m.dedupId, ids[i]!]] : []));
  if (owned.length > 0) {
    await c.query('UPDATE dedup AS d SET msg_id = u.msg_id FROM unnest($2::text[], $3::bigint[]) AS u(dedup_id, msg_id) WHERE d.queue_id = $1 AND d.dedup_id = u.dedup_id', [
      queue.id,
      owned.map((o) => o[0]),
      owned.map((o) => o[1]),
    ]);
  }
  return ids;
}

/**
 * Several send calls without dedupIds, in the caller's transaction: one cap check for all and one
 * INSERT; msgIds per call. Null, having stored nothing, when the cap refuses them together: then
 * each call must run alone to get its own answer (some may fit).
 */
export async function enqueueTogether(c: Client, queue: QueueRow, calls: EnqueueCall[]): Promise<string[][] | null> {
  const messages = calls.flatMap((call) => call.messages);
  const now = Math.max(...calls.map((call) => call.now));
  try {
    await checkCap(c, queue, messages.length);
  } catch (err) {
    if (err instanceof SpoolError && err.code === 'BACKLOG_FULL') return null;
    throw err;
  }
  const ids = await insertMessages(c, queue.id, messages, now, null);
  let next = 0;
  return calls.map((call) => ids.slice(next, (next += call.messages.length)));
}

/**
 * The backlog cap. Far below it a send checks the committed count and goes on; near it (within
 * CAP_MARGIN) every send takes the queue's transaction lock and counts again, so sends to a nearly
 * full queue are serialised and the cap is exact. The two can only mix wrongly if CAP_MARGIN
 * messages were committed while one send was in flight between its count and its commit.
 */
export async function checkCap(c: Client, queue: QueueRow, adding: number): Promise<void> {
  let backlog = (await c.query<{ n: number }>({ ...BACKLOG, values: [queue.id] })).rows[0]!.n;
  if (backlog + adding + CAP_MARGIN > queue.attributes.maxMsgHeapNum) {
    await c.query({ name: 'spool_cap_lock', text: 'SELECT pg_advisory_xact_lock($1, $2::integer)', values: [CAP_LOCK, queue.id] });
    backlog = (await c.query<{ n: number }>({ ...BACKLOG, values: [queue.id] })).rows[0]!.n;
  }
  checkBacklog(queue.name, queue.attributes, backlog, adding);
}

/**
 * Inserts messages without the backlog check (also replies and dead-letter notices); msgIds in
 * order. A message with a lease is stored leased (handed to a waiting consumer).
 */
export async function insertMessages(c: Client, queueId: number, messages: NewMessage[], now: number, sourceQueue: string | null): Promise<string[]> {
  if (messages.length === 0) return [];
  const { rows } = await c.query<{ id: number }>({
    ...INSERT,
    values: [
      queueId,
      now,
      sourceQueue,
      messages.map((m) => initialState(m, now)),
      messages.map((m) => m.priority),
      messages.map((m) => m.lease?.leaseUntil ?? m.visibleAt),
      messages.map((m) => Buffer.from(m.body, 'utf8')),
      messages.map((m) => (m.attributes === null ? null : JSON.stringify(m.attributes))),
      messages.map((m) => m.replyTo),
      messages.map((m) => m.correlationId),
      messages.map((m) => m.lease?.leaseToken ?? null),
    ],
  });
  // Identity values are drawn in row order within one statement: ascending ids follow the input.
  return rows.map((r) => r.id).sort((a, b) => a - b).map(String);
}
