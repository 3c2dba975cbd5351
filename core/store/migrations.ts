/**
 * Numbered schema migrations, as both stores embed them (sqlite/schema.ts, postgres/schema.ts), and
 * the version check they share: a database written by a newer Spool is refused, untouched.
 */
import { SpoolError } from '../errors.js';

export interface Migration {
  version: number;
  sql: string;
}

/** The last version of a migration list. */
export function latestVersion(migrations: readonly Migration[]): number {
  return migrations[migrations.length - 1]!.version;
}

/** Throws STORE_SCHEMA_MISMATCH when `where` is at a version this Spool does not know. */
export function checkSchemaVersion(where: string, current: number, known: number): void {
  if (current > known) {
    throw new SpoolError(
      'STORE_SCHEMA_MISMATCH',
      `${where} has schema version ${current}, but this Spool knows versions up to ${known}: it was written by a newer Spool; upgrade Spool to open it`,
    );
  }
}
