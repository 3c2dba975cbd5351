/**
 * Topics and subscriptions in PostgreSQL: rows, and fanOut, which stores every copy of a publish in
 * the caller's one transaction. Row locks order what brokers do at once: deleting a topic locks it
 * FOR UPDATE and a subscribe FOR UPDATE too (so the per-topic cap counts exactly and a topic is never
 * deleted under a new subscription); a fan-out locks its target queues FOR SHARE, in name order, so
 * that none is deleted before the copies commit.
 */
import { QUEUE_COLUMNS, toQueueRow, type RawQueueRow } from '../rows.js';
import { queueNotFound } from '../rules.js';
import * as topicRows from '../topic-rows.js';
import type { QueueAttributes } from '../../engine/attributes.js';
import type { FanOutCopy, ListTopicsQuery, NewSubscription, SubscriptionRecord, SubscriptionSettings, TopicAttributes, TopicRecord } from '../topic-store.js';
import type { QueueDirectory } from './queues.js';
import type { Client } from './connection.js';
import { checkCap, insertMessages } from './enqueue.js';

const SUBSCRIPTIONS = `SELECT ${topicRows.SUBSCRIPTION_COLUMNS} FROM subscriptions s JOIN topics t ON t.id = s.topic_id`;

export async function findTopic(c: Client, name: string, lock: '' | 'FOR UPDATE' = ''): Promise<topicRows.RawTopicRow | null> {
  const { rows } = await c.query<topicRows.RawTopicRow>(`SELECT ${topicRows.TOPIC_COLUMNS} FROM topics WHERE name = $1 ${lock}`, [name]);
  return rows[0] ?? null;
}

async function topicRow(c: Client, name: string, lock: '' | 'FOR UPDATE' = ''): Promise<topicRows.RawTopicRow> {
  const row = await findTopic(c, name, lock);
  if (!row) throw topicRows.topicNotFound(name);
  return row;
}

export async function createTopic(c: Client, name: string, attributes: TopicAttributes, now: number): Promise<{ created: boolean; topic: TopicRecord }> {
  const { rows } = await c.query<topicRows.RawTopicRow>(
    `INSERT INTO topics (name, attributes, created_at, modified_at) VALUES ($1, $2, $3, $3) ON CONFLICT (name) DO NOTHING RETURNING ${topicRows.TOPIC_COLUMNS}`,
    [name, JSON.stringify(attributes), now],
  );
  if (rows[0]) return { created: true, topic: topicRows.toTopicRecord(rows[0]) };
  return { created: false, topic: topicRows.toTopicRecord(await topicRow(c, name)) };
}

export async function listTopics(c: Client, query: ListTopicsQuery): Promise<{ total: number; topics: TopicRecord[] }> {
  // starts_with, not LIKE: names may contain '_'. Byte order, as in SQLite.
  const { rows } = await c.query<topicRows.RawTopicRow & { total: number }>(
    `SELECT ${topicRows.TOPIC_COLUMNS}, count(*) OVER () AS total FROM topics WHERE starts_with(name, $1) ORDER BY name COLLATE "C" LIMIT $2 OFFSET $3`,
    [query.prefix, query.limit, query.offset],
  );
  const total = rows[0]?.total ?? (await c.query<{ n: number }>('SELECT count(*) AS n FROM topics WHERE starts_with(name, $1)', [query.prefix])).rows[0]!.n;
  return { total, topics: rows.map(topicRows.toTopicRecord) };
}

export async function updateTopic(c: Client, name: string, attributes: TopicAttributes, now: number): Promise<TopicRecord> {
  const row = await topicRow(c, name, 'FOR UPDATE');
  await c.query('UPDATE topics SET attributes = $1, modified_at = $2 WHERE id = $3', [JSON.stringify(attributes), now, row.id]);
  return { ...topicRows.toTopicRecord(row), attributes, modifiedAt: now };
}

export async function deleteTopic(c: Client, name: string): Promise<void> {
  const row = await topicRow(c, name, 'FOR UPDATE');
  topicRows.checkTopicDeletable(name, await countSubscriptions(c, row.id, ''));
  await c.query('DELETE FROM topics WHERE id = $1', [row.id]);
}

/** Creates the subscription, and an 'http' one's push queue through `queues`, in the caller's transaction. */
export async function subscribe(c: Client, queues: QueueDirectory, s: NewSubscription, now: number, maxPerTopic: number, pushQueue: QueueAttributes): Promise<SubscriptionRecord> {
  const topic = await topicRow(c, s.topic, 'FOR UPDATE');
  const exists = (await c.query(`${SUBSCRIPTIONS} WHERE s.topic_id = $1 AND s.name = $2`, [topic.id, s.name])).rows.length > 0;
  topicRows.checkSubscribable(s.topic, s.name, exists, await countSubscriptions(c, topic.id, ''), maxPerTopic);
  const { rows } = await c.query<{ id: number }>(
    'INSERT INTO subscriptions (topic_id, name, protocol, endpoint, settings, created_at, modified_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id',
    [topic.id, s.name, s.protocol, s.endpoint, topicRows.settingsJson(s), now],
  );
  const deliveryQueue = s.protocol === 'http' ? topicRows.pushQueueName(rows[0]!.id) : s.endpoint;
  if (s.protocol === 'http') await queues.create(c, deliveryQueue, pushQueue, now);
  return { ...s, deliveryQueue, createdAt: now, modifiedAt: now };
}

export async function getSubscription(c: Client, topic: string, name: string): Promise<SubscriptionRecord | null> {
  const { id } = await topicRow(c, topic);
  const { rows } = await c.query<topicRows.RawSubscriptionRow>(`${SUBSCRIPTIONS} WHERE s.topic_id = $1 AND s.name = $2`, [id, name]);
  return rows[0] ? topicRows.toSubscriptionRecord(rows[0]) : null;
}

export async function updateSubscription(c: Client, topic: string, name: string, settings: SubscriptionSettings, now: number): Promise<SubscriptionRecord> {
  const current = await getSubscription(c, topic, name);
  if (!current) throw topicRows.subscriptionNotFound(topic, name);
  await c.query('UPDATE subscriptions SET settings = $1, modified_at = $2 WHERE topic_id = (SELECT id FROM topics WHERE name = $3) AND name = $4', [topicRows.settingsJson(settings), now, topic, name]);
  return { ...current, ...settings, modifiedAt: now };
}

/** Deletes the subscription, and an 'http' one's push queue; resolves with the queue deleted, if any. */
export async function unsubscribe(c: Client, queues: QueueDirectory, topic: string, name: string): Promise<string | null> {
  const subscription = await getSubscription(c, topic, name);
  if (!subscription) throw topicRows.subscriptionNotFound(topic, name);
  await c.query('DELETE FROM subscriptions WHERE topic_id = (SELECT id FROM topics WHERE name = $1) AND name = $2', [topic, name]);
  if (subscription.protocol !== 'http' || !(await queues.find(c, subscription.deliveryQueue))) return null;
  await queues.delete(c, subscription.deliveryQueue);
  return subscription.deliveryQueue;
}

export async function listSubscriptions(c: Client, topic: string, query: ListTopicsQuery): Promise<{ total: number; subscriptions: SubscriptionRecord[] }> {
  const { id } = await topicRow(c, topic);
  const { rows } = await c.query<topicRows.RawSubscriptionRow>(`${SUBSCRIPTIONS} WHERE s.topic_id = $1 AND starts_with(s.name, $2) ORDER BY s.name COLLATE "C" LIMIT $3 OFFSET $4`, [
    id,
    query.prefix,
    query.limit,
    query.offset,
  ]);
  return { total: await countSubscriptions(c, id, query.prefix), subscriptions: rows.map(topicRows.toSubscriptionRecord) };
}

export async function publishTargets(c: Client, name: string): Promise<{ topic: TopicRecord; subscriptions: SubscriptionRecord[] } | null> {
  const row = await findTopic(c, name);
  if (!row) return null;
  const { rows } = await c.query<topicRows.RawSubscriptionRow>(`${SUBSCRIPTIONS} WHERE s.topic_id = $1 ORDER BY s.name COLLATE "C"`, [row.id]);
  return { topic: topicRows.toTopicRecord(row), subscriptions: rows.map(topicRows.toSubscriptionRecord) };
}

/** Stores every copy in the caller's transaction; refusals roll the whole publish back. */
export async function fanOut(c: Client, copies: FanOutCopy[], now: number): Promise<string[]> {
  const groups = [...topicRows.groupByQueue(copies)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const ids: string[] = [];
  for (const [name, group] of groups) {
    const { rows } = await c.query<RawQueueRow>(`SELECT ${QUEUE_COLUMNS} FROM queues WHERE name = $1 FOR SHARE`, [name]);
    if (!rows[0]) throw queueNotFound(name);
    const queue = toQueueRow(rows[0]);
    await checkCap(c, queue, group.length);
    const stored = await insertMessages(c, queue.id, group.map((g) => g.copy.message), now, null);
    group.forEach(({ index }, i) => (ids[index] = stored[i]!));
  }
  return ids;
}

async function countSubscriptions(c: Client, topicId: number, prefix: string): Promise<number> {
  return (await c.query<{ n: number }>('SELECT count(*) AS n FROM subscriptions WHERE topic_id = $1 AND starts_with(name, $2)', [topicId, prefix])).rows[0]!.n;
}
