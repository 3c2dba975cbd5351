/**
 * Topics and subscriptions in SQLite: rows (create idempotent, read, list by prefix, update,
 * delete) and fanOut, which stores every copy of a publish inside the one batch transaction.
 * Refusals are raised before the first write (group-commit.ts's contract): fanOut checks every
 * target queue and its backlog before it inserts anything.
 */
import type { Database, Statement } from 'better-sqlite3';
import { checkBacklog } from '../rules.js';
import {
  SUBSCRIPTION_COLUMNS,
  TOPIC_COLUMNS,
  checkSubscribable,
  checkTopicDeletable,
  groupByQueue,
  pushQueueName,
  settingsJson,
  subscriptionNotFound,
  toSubscriptionRecord,
  toTopicRecord,
  topicNotFound,
  type RawSubscriptionRow,
  type RawTopicRow,
} from '../topic-rows.js';
import type { QueueAttributes } from '../../engine/attributes.js';
import type { FanOutCopy, ListTopicsQuery, NewSubscription, SubscriptionRecord, SubscriptionSettings, TopicAttributes, TopicRecord } from '../topic-store.js';
import type { QueueCounts } from './counts.js';
import type { MessageWriter } from './enqueue.js';
import type { QueueDirectory } from './queues.js';

const SUBSCRIPTIONS = `SELECT ${SUBSCRIPTION_COLUMNS} FROM subscriptions s JOIN topics t ON t.id = s.topic_id`;

export class Topics {
  private readonly byName: Statement<[string], RawTopicRow>;
  private readonly insertTopic: Statement<[string, string, number, number]>;
  private readonly updateTopicRow: Statement<[string, number, number]>;
  private readonly removeTopic: Statement<[number]>;
  private readonly countTopics: Statement<[string, string], { n: number }>;
  private readonly pageTopics: Statement<[string, string, number, number], RawTopicRow>;
  private readonly countSubscriptions: Statement<[number, string, string], { n: number }>;
  private readonly pageSubscriptions: Statement<[number, string, string, number, number], RawSubscriptionRow>;
  private readonly subscription: Statement<[number, string], RawSubscriptionRow>;
  private readonly insertSubscription: Statement<[number, string, string, string, string, number, number]>;
  private readonly updateSubscriptionRow: Statement<[string, number, number, string]>;
  private readonly removeSubscription: Statement<[number, string]>;
  private readonly allSubscriptions: Statement<[number], RawSubscriptionRow>;

  constructor(db: Database, private readonly queues: QueueDirectory, private readonly writer: MessageWriter, private readonly counts: QueueCounts) {
    this.byName = db.prepare(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE name = ?`);
    this.insertTopic = db.prepare('INSERT INTO topics (name, attributes, created_at, modified_at) VALUES (?, ?, ?, ?)');
    this.updateTopicRow = db.prepare('UPDATE topics SET attributes = ?, modified_at = ? WHERE id = ?');
    this.removeTopic = db.prepare('DELETE FROM topics WHERE id = ?');
    // Prefix match with a range, not LIKE: names may contain '_' (as queues.ts).
    this.countTopics = db.prepare('SELECT count(*) AS n FROM topics WHERE name >= ? AND name < ? || char(1114111)');
    this.pageTopics = db.prepare(`SELECT ${TOPIC_COLUMNS} FROM topics WHERE name >= ? AND name < ? || char(1114111) ORDER BY name LIMIT ? OFFSET ?`);
    this.countSubscriptions = db.prepare('SELECT count(*) AS n FROM subscriptions WHERE topic_id = ? AND name >= ? AND name < ? || char(1114111)');
    this.pageSubscriptions = db.prepare(`${SUBSCRIPTIONS} WHERE s.topic_id = ? AND s.name >= ? AND s.name < ? || char(1114111) ORDER BY s.name LIMIT ? OFFSET ?`);
    this.subscription = db.prepare(`${SUBSCRIPTIONS} WHERE s.topic_id = ? AND s.name = ?`);
    this.insertSubscription = db.prepare(
      'INSERT INTO subscriptions (topic_id, name, protocol, endpoint, settings, created_at, modified_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.updateSubscriptionRow = db.prepare('UPDATE subscriptions SET settings = ?, modified_at = ? WHERE topic_id = ? AND name = ?');
    this.removeSubscription = db.prepare('DELETE FROM subscriptions WHERE topic_id = ? AND name = ?');
    this.allSubscriptions = db.prepare(`${SUBSCRIPTIONS} WHERE s.topic_id = ? ORDER BY s.name`);
  }

  find(name: string): TopicRecord | null {
    const raw = this.byName.get(name);
    return raw ? toTopicRecord(raw) : null;
  }

  create(name: string, attributes: TopicAttributes, now: number): { created: boolean; topic: TopicRecord } {
    const existing = this.find(name);
    if (existing) return { created: false, topic: existing };
    this.insertTopic.run(name, JSON.stringify(attributes), now, now);
    return { created: true, topic: { name, attributes, createdAt: now, modifiedAt: now } };
  }

  update(name: string, attributes: TopicAttributes, now: number): TopicRecord {
    const row = this.row(name);
    this.updateTopicRow.run(JSON.stringify(attributes), now, row.id);
    return { ...toTopicRecord(row), attributes, modifiedAt: now };
  }

  delete(name: string): void {
    const row = this.row(name);
    checkTopicDeletable(name, this.countSubscriptions.get(row.id, '', '')!.n);
    this.removeTopic.run(row.id);
  }

  list(query: ListTopicsQuery): { total: number; topics: TopicRecord[] } {
    const total = this.countTopics.get(query.prefix, query.prefix)!.n;
    return { total, topics: this.pageTopics.all(query.prefix, query.prefix, query.limit, query.offset).map(toTopicRecord) };
  }

  subscribe(s: NewSubscription, now: number, maxPerTopic: number, pushQueue: QueueAttributes): SubscriptionRecord {
    const topic = this.row(s.topic);
    checkSubscribable(s.topic, s.name, this.subscription.get(topic.id, s.name) !== undefined, this.countSubscriptions.get(topic.id, '', '')!.n, maxPerTopic);
    const id = Number(this.insertSubscription.run(topic.id, s.name, s.protocol, s.endpoint, settingsJson(s), now, now).lastInsertRowid);
    const deliveryQueue = s.protocol === 'http' ? pushQueueName(id) : s.endpoint;
    if (s.protocol === 'http') this.queues.create(deliveryQueue, pushQueue, now);
    return { ...s, deliveryQueue, createdAt: now, modifiedAt: now };
  }

  getSubscription(topic: string, name: string): SubscriptionRecord | null {
    const raw = this.subscription.get(this.row(topic).id, name);
    return raw ? toSubscriptionRecord(raw) : null;
  }

  updateSubscription(topic: string, name: string, settings: SubscriptionSettings, now: number): SubscriptionRecord {
    const current = this.getSubscription(topic, name);
    if (!current) throw subscriptionNotFound(topic, name);
    this.updateSubscriptionRow.run(settingsJson(settings), now, this.row(topic).id, name);
    return { ...current, ...settings, modifiedAt: now };
  }

  unsubscribe(topic: string, name: string): void {
    const subscription = this.getSubscription(topic, name);
    if (!subscription) throw subscriptionNotFound(topic, name);
    // The push queue first: its checks may refuse, and nothing may be written before a refusal.
    if (subscription.protocol === 'http' && this.queues.find(subscription.deliveryQueue)) this.queues.delete(subscription.deliveryQueue);
    this.removeSubscription.run(this.row(topic).id, name);
  }

  listSubscriptions(topic: string, query: ListTopicsQuery): { total: number; subscriptions: SubscriptionRecord[] } {
    const { id } = this.row(topic);
    const total = this.countSubscriptions.get(id, query.prefix, query.prefix)!.n;
    const subscriptions = this.pageSubscriptions.all(id, query.prefix, query.prefix, query.limit, query.offset).map(toSubscriptionRecord);
    return { total, subscriptions };
  }

  publishTargets(name: string): { topic: TopicRecord; subscriptions: SubscriptionRecord[] } | null {
    const raw = this.byName.get(name);
    return raw ? { topic: toTopicRecord(raw), subscriptions: this.allSubscriptions.all(raw.id).map(toSubscriptionRecord) } : null;
  }

  fanOut(copies: FanOutCopy[], now: number): string[] {
    const groups = [...groupByQueue(copies)].map(([name, group]) => ({ queue: this.queues.get(name), group }));
    // Every refusal before the first insert: a refused publish leaves nothing behind.
    for (const { queue, group } of groups) checkBacklog(queue.name, queue.attributes, this.counts.backlog(queue.id), group.length);
    const ids: string[] = [];
    for (const { queue, group } of groups) {
      for (const { index, copy } of group) ids[index] = String(this.writer.insertOne(queue.id, copy.message, now, null));
    }
    return ids;
  }

  private row(name: string): RawTopicRow {
    const raw = this.byName.get(name);
    if (!raw) throw topicNotFound(name);
    return raw;
  }
}
