/**
 * migrate: brings the store's schema (the connection's search_path) up to SCHEMA_VERSION. Several brokers may start at once, so
 * the whole check-and-apply runs under a session advisory lock; each migration commits on its own
 * with its row in migrations. A database at a version this Spool does not know (written by a
 * newer Spool) is refused with STORE_SCHEMA_MISMATCH and left untouched.
 */
import type pg from 'pg';
import { checkSchemaVersion } from '../migrations.js';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

/** Advisory lock key: "spool" in ASCII, so other applications' keys are unlikely to collide. */
const MIGRATION_LOCK = 0x73706f6f6c;

export async function migrate(client: pg.ClientBase, schema: string, where: string): Promise<void> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM migrations');
    const current = rows[0]?.v ?? 0;
    checkSchemaVersion(where, current, SCHEMA_VERSION);
    for (const migration of MIGRATIONS) {
      if (migration.version <= current) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO migrations (version) VALUES ($1)', [migration.version]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    }
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
  }
}
