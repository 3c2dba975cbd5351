/**
 * The SQLite schema as numbered migrations, embedded in the build. PRAGMA user_version records the
 * last one applied.
 *
 * Message states: 0 ready, 1 leased, 2 delayed (or released with a delay), 3 deleted but kept for
 * rewind. Triggers keep each queue's per-state counts exact, so stats and the backlog cap never
 * count rows.
 */
export interface Migration {
  version: number;
  sql: string;
}

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
  modified_at INTEGER NOT NULL,
  ready INTEGER NOT NULL DEFAULT 0,
  leased INTEGER NOT NULL DEFAULT 0,
  delayed INTEGER NOT NULL DEFAULT 0,
  kept INTEGER NOT NULL DEFAULT 0
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

CREATE TRIGGER messages_counted_insert AFTER INSERT ON messages BEGIN
  UPDATE queues SET ready = ready + (NEW.state = 0), leased = leased + (NEW.state = 1),
    delayed = delayed + (NEW.state = 2), kept = kept + (NEW.state = 3)
  WHERE id = NEW.queue_id;
END;
CREATE TRIGGER messages_counted_delete AFTER DELETE ON messages BEGIN
  UPDATE queues SET ready = ready - (OLD.state = 0), leased = leased - (OLD.state = 1),
    delayed = delayed - (OLD.state = 2), kept = kept - (OLD.state = 3)
  WHERE id = OLD.queue_id;
END;
CREATE TRIGGER messages_counted_update AFTER UPDATE OF state, queue_id ON messages
WHEN OLD.state <> NEW.state OR OLD.queue_id <> NEW.queue_id BEGIN
  UPDATE queues SET ready = ready - (OLD.state = 0), leased = leased - (OLD.state = 1),
    delayed = delayed - (OLD.state = 2), kept = kept - (OLD.state = 3)
  WHERE id = OLD.queue_id;
  UPDATE queues SET ready = ready + (NEW.state = 0), leased = leased + (NEW.state = 1),
    delayed = delayed + (NEW.state = 2), kept = kept + (NEW.state = 3)
  WHERE id = NEW.queue_id;
END;
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;
