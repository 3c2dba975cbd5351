/** How the CLI prints: aligned tables for people, JSON for scripts, one-line errors. */
import { SpoolConnectionError } from '../core/client/index.js';

export type Cell = string | number | boolean | null | undefined;

/** An aligned text table; numbers are right-aligned. */
export function table(headers: string[], rows: Cell[][]): string {
  const text = rows.map((row) => row.map((cell) => (cell === null || cell === undefined ? '-' : String(cell))));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((row) => row[i]?.length ?? 0)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || row[i] === null || row[i] === undefined));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)].join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Formats Unix ms as an ISO time for tables. */
export function time(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString();
}

/**
 * One line for an error: its code when it has one, then its message (Node's system errors start
 * with theirs). An unreachable broker gets a hint instead of its code (CLOSED says little there).
 */
export function describeError(err: unknown): string {
  if (err instanceof SpoolConnectionError) return `${err.message} (is a broker running there? --url or SPOOL_URL picks it)`;
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' && !err.message.startsWith(`${code}:`) ? `${code}: ${err.message}` : err.message;
}
