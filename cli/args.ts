/** Flag parsing shared by the commands: strict integers, key=value pairs, times, the client. */
import { SpoolClient } from '../core/client/index.js';

/** A usage error found after parsing (a bad flag combination, an unreadable file): exits 2, like yargs' own. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * yargs coerce: a whole number (within `range` if given), or a clear error naming the flag. Declare
 * the option without `type: 'number'`: yargs would turn "abc" into NaN, leaving no text to quote.
 */
export function integer(flag: string, range?: readonly [min: number, max: number]): (value: unknown) => number | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    // Anything else (true for a flag given no value, an array for one given twice) has no number to quote.
    const given = typeof value === 'number' ? String(value) : typeof value === 'string' ? JSON.stringify(value) : null;
    const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
    if (!Number.isSafeInteger(n) || (range && (n < range[0] || n > range[1]))) {
      throw new Error(`--${flag} must be a whole number${range ? ` from ${range[0]} to ${range[1]}` : ''}${given === null ? '' : `, got ${given}`}`);
    }
    return n;
  };
}

/** `--attr k=v` (repeatable) as a string map. */
export function keyValues(values: unknown): Record<string, string> | undefined {
  if (values === undefined) return undefined;
  const out: Record<string, string> = {};
  for (const item of [values].flat()) {
    const text = String(item);
    const eq = text.indexOf('=');
    if (eq <= 0) throw new UsageError(`--attr takes key=value, got ${JSON.stringify(text)}`);
    out[text.slice(0, eq)] = text.slice(eq + 1);
  }
  return out;
}

/** A time as Unix ms, an ISO date, or `-90s` / `-15m` / `-2h` before now. */
export function parseTime(text: string, now = Date.now()): number {
  const relative = /^-(\d+)(s|m|h|d)$/.exec(text);
  if (relative) return now - Number(relative[1]) * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[relative[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d+$/.test(text)) return Number(text);
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new UsageError(`not a time: ${JSON.stringify(text)} (use Unix ms, an ISO date, or -90s/-15m/-2h/-1d)`);
  return parsed;
}

/** `--url`, for the commands that talk to a broker (serve does not). */
export const URL_OPTION = {
  type: 'string',
  describe: 'Broker URL',
  default: process.env.SPOOL_URL ?? 'http://127.0.0.1:7878',
  defaultDescription: '$SPOOL_URL or http://127.0.0.1:7878',
} as const;

/** A client for `--url`, presenting $SPOOL_API_KEY when set (a key in a flag would show in `ps`). */
export function clientFor(args: { url: string }): SpoolClient {
  const apiKey = process.env.SPOOL_API_KEY;
  return new SpoolClient({ url: args.url, ...(apiKey ? { apiKey } : {}) });
}

/** Runs `fn` with a client for `--url` and closes it afterwards. */
export async function withClient<T>(args: { url: string }, fn: (client: SpoolClient) => Promise<T>): Promise<T> {
  const client = clientFor(args);
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}
