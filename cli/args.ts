/** Flag parsing shared by the commands: strict integers, key=value pairs, times, the client. */
import { SpoolClient } from '../core/client/index.js';

/** yargs coerce: a whole number, or a clear error naming the flag. */
export function integer(flag: string): (value: unknown) => number | undefined {
  return (value) => {
    if (value === undefined) return undefined;
    const n = typeof value === 'number' ? value : Number(value);
    // yargs has already turned a non-number into NaN, so there is no text left to quote.
    if (!Number.isSafeInteger(n)) throw new Error(`--${flag} must be a whole number${Number.isNaN(n) ? '' : `, got ${String(value)}`}`);
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
    if (eq <= 0) throw new Error(`--attr takes key=value, got ${JSON.stringify(text)}`);
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
  if (Number.isNaN(parsed)) throw new Error(`not a time: ${JSON.stringify(text)} (use Unix ms, an ISO date, or -90s/-15m/-2h/-1d)`);
  return parsed;
}

export function clientFor(args: { url: string }): SpoolClient {
  return new SpoolClient({ url: args.url });
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
