/**
 * How a runtime (master, worker) reaches its broker: a URL, an in-process engine, or a client the
 * caller owns. One resolver and one opener, so both runtimes accept the same three forms.
 */
import { Engine } from '../engine/engine.js';
import { SpoolClient } from './client.js';

export type BrokerConnection = { kind: 'url'; url: string; apiKey: string | undefined } | { kind: 'broker'; engine: Engine } | { kind: 'client'; client: SpoolClient };

export interface BrokerConnectionInput {
  /** Broker URL. */
  url?: string;
  /** With `url`: the API key to present, when the broker has keys (docs/auth.md). */
  apiKey?: string;
  /** An engine in this process (embedded mode). */
  broker?: Engine;
  /** A client the caller owns (not closed by the runtime). */
  client?: SpoolClient;
}

/** Exactly one of url, broker and client; `who` names the caller in the error (e.g. 'startWorker'). */
export function resolveConnection(options: BrokerConnectionInput, who: string): BrokerConnection {
  const given = (['url', 'broker', 'client'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1) throw new TypeError(`${who} needs exactly one of url, broker, client; got ${given.length === 0 ? 'none' : given.join(', ')}`);
  if (options.url !== undefined) {
    if (typeof options.url !== 'string' || !/^https?:\/\//.test(options.url)) throw new TypeError(`url must be an http(s) URL, got ${JSON.stringify(options.url)}`);
    return { kind: 'url', url: options.url, apiKey: options.apiKey };
  }
  if (options.apiKey !== undefined) throw new TypeError(`${who}: apiKey goes with url (give a client its own apiKey)`);
  if (options.broker !== undefined) {
    if (!(options.broker instanceof Engine)) throw new TypeError(`broker must be an Engine (openEngine(), or new Engine()), got ${typeof options.broker}`);
    return { kind: 'broker', engine: options.broker };
  }
  if (!(options.client instanceof SpoolClient)) throw new TypeError(`client must be a SpoolClient, got ${typeof options.client}`);
  return { kind: 'client', client: options.client };
}

/**
 * Refuses option names a runtime does not know: from JavaScript a misspelt one (`concurency`)
 * would otherwise be ignored without a word.
 */
export function checkKnownOptions(options: object, known: readonly string[], who: string): void {
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
    throw new TypeError(`${who}: unknown option ${JSON.stringify(key)}${near ? ` (did you mean ${near}?)` : ''}`);
  }
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    previous = current;
  }
  return previous[b.length]!;
}

/** The client for a connection, and whether the runtime owns it (and so closes it). */
export function openConnection(connection: BrokerConnection): { client: SpoolClient; owned: boolean } {
  switch (connection.kind) {
    case 'url':
      return { client: new SpoolClient({ url: connection.url, apiKey: connection.apiKey }), owned: true };
    case 'broker':
      return { client: SpoolClient.embedded(connection.engine), owned: true };
    case 'client':
      return { client: connection.client, owned: false };
  }
}

/** A whole-number option of a runtime (master, worker): `fallback` when absent, TypeError when out of range. */
export function integerOption(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be a whole number from ${min} to ${max}, got ${describeValue(value)}`);
  }
  return value;
}

/** A wrong value, for a message: strings quoted (so '4' does not read as 4), objects by their class. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return String(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return 'an array';
  const kind = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  if (typeof kind !== 'string' || kind === '' || kind === 'Object') return 'an object';
  return `${/^[AEIOU]/i.test(kind) ? 'an' : 'a'} ${kind}`;
}
