/**
 * The PostgreSQL schema as numbered migrations, embedded in the build. Everything lives in one
 * PostgreSQL schema (`spool` unless configured), which every connection has as its search_path, so
 * the SQL names no schema; `migrations` records what was applied (see migrate.ts).
 *
 * Bodies are bytea holding UTF-8: text cannot hold U+0000, which a message body may.
 *
 * Message states as in SQLite: 0 ready, 1 leased, 2 delayed (or released with a delay), 3 deleted
 * but kept for rewind. Times are Unix ms from the engine's clock, never the server's now().
 *
 * Counts: several brokers write the same tables, so per-state counts cannot live in one process's
 * memory. Statement-level triggers (with transition tables, so a batch costs one upsert) add each
 * statement's state changes to `queue_counts`, in one of 64 slots per queue picked by backend pid:
 * concurrent transactions on one queue rarely wait on the same counter row. A queue's count is the
 * sum of its slots, exact in every transaction's snapshot.
 */
import { latestVersion, type Migration } from '../migrations.js';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    sql: `
CREATE TABLE queues (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  attributes text NOT NULL,
  dead_letter_queue text,
  created_at bigint NOT NULL,
  modified_at bigint NOT NULL
);
CREATE INDEX queues_dead_letter_queue ON queues(dead_letter_queue) WHERE dead_letter_queue IS NOT NULL;

CREATE TABLE messages (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  queue_id bigint NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
  state smallint NOT NULL,
  priority integer NOT NULL,
  visible_at bigint NOT NULL,
  enqueue_time bigint NOT NULL,
  first_dequeue_time bigint,
  dequeue_count integer NOT NULL DEFAULT 0,
  lease_token bigint,
  deleted_at bigint,
  body bytea NOT NULL,
  attributes text,
  reply_to text,
  correlation_id text,
  source_queue text
);
CREATE INDEX messages_ready ON messages(queue_id, priority DESC, id) WHERE state = 0;
CREATE INDEX messages_due ON messages(visible_at) WHERE state IN (1, 2);
CREATE INDEX messages_age ON messages(queue_id, enqueue_time);

CREATE TABLE dedup (
  queue_id bigint NOT NULL REFERENCES queues(id) ON DELETE CASCADE,
  dedup_id text NOT NULL,
  msg_id bigint NOT NULL,
  expires_at bigint NOT NULL,
  PRIMARY KEY (queue_id, dedup_id)
);
CREATE INDEX dedup_expires ON dedup(expires_at);

CREATE TABLE queue_counts (
  queue_id bigint NOT NULL,
  slot smallint NOT NULL,
  ready bigint NOT NULL DEFAULT 0,
  leased bigint NOT NULL DEFAULT 0,
  delayed bigint NOT NULL DEFAULT 0,
  kept bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (queue_id, slot)
);

-- Adds signed per-state deltas (rows of queue_id, state, n) to this backend's slot, queues in id
-- order so that two transactions never lock counter rows in opposite orders.
CREATE FUNCTION add_counts(deltas jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO queue_counts AS c (queue_id, slot, ready, leased, delayed, kept)
  SELECT queue_id, pg_backend_pid() % 64,
         coalesce(sum(n) FILTER (WHERE state = 0), 0), coalesce(sum(n) FILTER (WHERE state = 1), 0),
         coalesce(sum(n) FILTER (WHERE state = 2), 0), coalesce(sum(n) FILTER (WHERE state = 3), 0)
  FROM jsonb_to_recordset(deltas) AS d(queue_id bigint, state smallint, n bigint)
  GROUP BY queue_id
  HAVING sum(abs(n)) > 0
  ORDER BY queue_id
  ON CONFLICT (queue_id, slot) DO UPDATE SET
    ready = c.ready + excluded.ready, leased = c.leased + excluded.leased,
    delayed = c.delayed + excluded.delayed, kept = c.kept + excluded.kept
$$;

CREATE FUNCTION count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM add_counts((SELECT jsonb_agg(d) FROM (
    SELECT queue_id, state, count(*) AS n FROM new_rows GROUP BY queue_id, state) d));
  RETURN NULL;
END $$;

CREATE FUNCTION count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM add_counts((SELECT jsonb_agg(d) FROM (
    SELECT queue_id, state, -count(*) AS n FROM old_rows GROUP BY queue_id, state) d));
  RETURN NULL;
END $$;

CREATE FUNCTION count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM add_counts((SELECT jsonb_agg(d) FROM (
    SELECT queue_id, state, sum(n) AS n FROM (
      SELECT queue_id, state, 1 AS n FROM new_rows
      UNION ALL
      SELECT queue_id, state, -1 AS n FROM old_rows) changes
    GROUP BY queue_id, state HAVING sum(n) <> 0) d));
  RETURN NULL;
END $$;

CREATE TRIGGER messages_count_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_inserted();
CREATE TRIGGER messages_count_delete AFTER DELETE ON messages
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION count_deleted();
CREATE TRIGGER messages_count_update AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION count_updated();
`,
  },
  {
    // As in SQLite (sqlite/schema.ts): the sweep found kept messages by reading the whole queue.
    version: 2,
    sql: `CREATE INDEX messages_kept ON messages(queue_id, deleted_at) WHERE state = 3;`,
  },
  {
    // As in SQLite: a cancel that reaches a leased message marks it (cancellations.ts).
    version: 3,
    sql: `ALTER TABLE messages ADD COLUMN cancelled_at bigint;`,
  },
  {
    // As in SQLite (sqlite/schema.ts): kept messages are forgotten by enqueue time.
    version: 4,
    sql: `DROP INDEX messages_kept;
CREATE INDEX messages_replayable ON messages(queue_id, enqueue_time) WHERE state = 3;`,
  },
  {
    // As in SQLite (sqlite/schema.ts): topics and subscriptions. The foreign key (no cascade) stops
    // a topic being deleted under a subscription another broker adds at the same time.
    version: 5,
    sql: `
CREATE TABLE topics (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name text NOT NULL UNIQUE,
  attributes text NOT NULL,
  created_at bigint NOT NULL,
  modified_at bigint NOT NULL
);
CREATE TABLE subscriptions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic_id bigint NOT NULL REFERENCES topics(id),
  name text NOT NULL,
  protocol text NOT NULL,
  endpoint text NOT NULL,
  settings text NOT NULL,
  created_at bigint NOT NULL,
  modified_at bigint NOT NULL,
  UNIQUE (topic_id, name)
);
`,
  },
];

export const SCHEMA_VERSION = latestVersion(MIGRATIONS);
