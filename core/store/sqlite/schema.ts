/**
 * The SQLite schema as numbered migrations, embedded in the build. PRAGMA user_version records the
 * last one applied.
 *
 * Message states: 0 ready, 1 leased, 2 delayed (or released with a delay), 3 deleted but kept for
 * rewind. Per-state counts live in memory (counts.ts).
 */
import { latestVersion, type Migration } from '../migrations.js';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE queues (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  attributes TEXT NOT NULL,
  dead_letter_queue TEXT,
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL
);
CREATE INDEX queues_dead_letter_queue ON queues(dead_letter_queue) WHERE dead_letter_queue IS NOT NULL;

CREATE TABLE messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  queue_id INTEGER NOT NULL,
  state INTEGER NOT NULL,
  priority INTEGER NOT NULL,
  visible_at INTEGER NOT NULL,
  enqueue_time INTEGER NOT NULL,
  first_dequeue_time INTEGER,
  dequeue_count INTEGER NOT NULL DEFAULT 0,
  lease_token INTEGER,
  deleted_at INTEGER,
  body TEXT NOT NULL,
  attributes TEXT,
  reply_to TEXT,
  correlation_id TEXT,
  source_queue TEXT
);
CREATE INDEX messages_ready ON messages(queue_id, priority DESC, id) WHERE state = 0;
CREATE INDEX messages_due ON messages(visible_at) WHERE state IN (1, 2);
CREATE INDEX messages_age ON messages(queue_id, enqueue_time);

CREATE TABLE dedup (
  queue_id INTEGER NOT NULL,
  dedup_id TEXT NOT NULL,
  msg_id INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (queue_id, dedup_id)
) WITHOUT ROWID;
CREATE INDEX dedup_expires ON dedup(expires_at);
`,
  },
  {
    // The sweep forgets kept messages past the rewind window. Through messages_age it read every
    // message of the queue to find the kept ones (15 ms a second at 200k messages); kept messages
    // alone, in their own index, cost nothing when there are none.
    version: 2,
    sql: `CREATE INDEX messages_kept ON messages(queue_id, deleted_at) WHERE state = 3;`,
  },
  {
    // A cancel that reaches a leased message marks it: if its holder lets it go, it ends instead
    // of running again (cancellations.ts).
    version: 3,
    sql: `ALTER TABLE messages ADD COLUMN cancelled_at INTEGER;`,
  },
  {
    // A kept message is replayable while its enqueue time is within the rewind window (rewind
    // takes messages enqueued since a time no older than rewindSeconds): it is forgotten by
    // enqueue time, not deletion time, and this index finds it for the sweep and for rewind.
    version: 4,
    sql: `DROP INDEX messages_kept;
CREATE INDEX messages_replayable ON messages(queue_id, enqueue_time) WHERE state = 3;`,
  },
  {
    // Topics and their subscriptions (docs/topics.md); a subscription's settings are JSON.
    version: 5,
    sql: `
CREATE TABLE topics (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  attributes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL
);
CREATE TABLE subscriptions (
  id INTEGER PRIMARY KEY,
  topic_id INTEGER NOT NULL REFERENCES topics(id),
  name TEXT NOT NULL,
  protocol TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  settings TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  modified_at INTEGER NOT NULL,
  UNIQUE (topic_id, name)
);
`,
  },
];

export const SCHEMA_VERSION = latestVersion(MIGRATIONS);
