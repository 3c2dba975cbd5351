/**
 * Request parameters of CMQ API 2.0: `name=value` pairs from the query string (GET) or a form body
 * (POST), percent-decoded strictly (bad escapes and invalid UTF-8 are 4000/10420, never a
 * replacement character). Values are strings; the readers below type them and refuse, naming the
 * parameter: a missing required one (10390), a non-integer (10360), a value out of range
 * (10350), a non-repeatable parameter written `name.n` (10330). A repeated parameter is
 * `name.n`, n from 0 or from 1 and contiguous (10380), at most 16 (10370; the topic actions' tags
 * and keys at most 5, with CMQ's module codes for each). Parameters this endpoint does not know
 * are ignored: CMQ's SDKs send some of their own (`RequestClient`, `clientRequestId`,
 * `UserpollingWaitSeconds`).
 */
import { LIMITS } from '../../../limits.js';
import { strictUtf8 } from '../../http/json-body.js';
import { paramError, type CmqError } from './errors.js';

const INDEX = /^(0|[1-9][0-9]{0,2})$/;
const INTEGER = /^-?[0-9]{1,16}$/;
const QUOTE_MAX = 40;

export class Params {
  /** `entries`: names as sent, in the order sent (the signature sorts them itself). */
  constructor(readonly entries: ReadonlyMap<string, string>) {}

  /** A parameter's raw value without any check (for an API key's needs, read before the action's own checks). */
  peek(name: string): string | undefined {
    return this.entries.get(name);
  }

  optionalString(name: string): string | undefined {
    if ([...this.entries.keys()].some((key) => key.startsWith(`${name}.`))) {
      throw paramError(10330, `parameter ${name} is not a repeatable parameter`);
    }
    return this.entries.get(name);
  }

  string(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined) throw missing(name);
    return value;
  }

  optionalInteger(name: string, min: number, max: number, range = ''): number | undefined {
    const value = this.optionalString(name);
    if (value === undefined) return undefined;
    if (!INTEGER.test(value)) throw paramError(10360, `parameter ${name} must be an integer, got ${quote(value)}`);
    const n = Number(value);
    if (n < min || n > max) throw paramError(10350, `parameter ${name} must be from ${min} to ${max}${range}, got ${n}`);
    return n;
  }

  integer(name: string, min: number, max: number, range = ''): number {
    const value = this.optionalInteger(name, min, max, range);
    if (value === undefined) throw missing(name);
    return value;
  }

  /** `name.0..` or `name.1..`, contiguous, 1-16 of them; the plain `name` is not one of them. */
  list(name: string): string[] {
    const values = this.optionalList(name);
    if (values.length === 0) throw missing(`${name}.n`);
    return values;
  }

  /** As `list`, but none at all is `[]`, and at most `max` (more is module `tooMany`): msgTag.n, filterTag.n, bindingKey.n. */
  optionalList(name: string, max: number = LIMITS.batchMax, tooMany = 10370): string[] {
    const prefix = `${name}.`;
    const byIndex = new Map<number, string>();
    for (const [key, value] of this.entries) {
      if (!key.startsWith(prefix)) continue;
      const index = key.slice(prefix.length);
      if (!INDEX.test(index)) throw paramError(10310, `parameter ${quote(key)}: ${name}.n needs n a whole number from 0`);
      byIndex.set(Number(index), value);
    }
    if (this.entries.has(name)) throw paramError(10310, `parameter ${name} is repeatable: write it ${name}.0, ${name}.1, ... or ${name}.1, ${name}.2, ...`);
    if (byIndex.size > max) throw paramError(tooMany, `${name}.n holds at most ${max} values, got ${byIndex.size}`);
    const first = byIndex.has(0) ? 0 : 1;
    const values: string[] = [];
    for (let i = first; i < first + byIndex.size; i++) {
      const value = byIndex.get(i);
      if (value === undefined) throw paramError(10380, `${name}.n must be numbered from 0 or 1 without gaps; ${name}.${i} is missing`);
      values.push(value);
    }
    return values;
  }
}

function missing(name: string): CmqError {
  return paramError(10390, `lacked of required parameter ${name}`);
}

/** A value in a message: JSON-quoted, cut after 40 characters. */
export function quote(value: string): string {
  return JSON.stringify(value.length > QUOTE_MAX ? `${value.slice(0, QUOTE_MAX)}…` : value);
}

/**
 * The parameters of a query string and a form body (either may be empty), as bytes: `+` is a
 * space, `%XX` a byte, and the bytes of each name and value must be UTF-8. A name given twice is
 * refused (10000): which value was meant cannot be told, and the signature covers each once.
 */
export function parseParams(...sources: Buffer[]): Params {
  const entries = new Map<string, string>();
  for (const source of sources) {
    for (const pair of split(source, 0x26)) {
      if (pair.length === 0) continue;
      const eq = pair.indexOf(0x3d);
      const name = decode(eq < 0 ? pair : pair.subarray(0, eq));
      const value = eq < 0 ? '' : decode(pair.subarray(eq + 1));
      if (name === '') throw paramError(10310, 'a parameter has an empty name');
      // The signature writes `_` as `.`: `msgBody_3` would be signed as `msgBody.3` yet read as another parameter.
      if (name.includes('_')) throw paramError(10310, `parameter ${quote(name)}: CMQ's parameter names have no '_'`);
      if (entries.has(name)) throw paramError(10000, `parameter ${quote(name)} is given more than once`);
      entries.set(name, value);
    }
  }
  return new Params(entries);
}

function* split(bytes: Buffer, separator: number): Generator<Buffer> {
  let start = 0;
  for (let i = bytes.indexOf(separator); i >= 0; i = bytes.indexOf(separator, start)) {
    yield bytes.subarray(start, i);
    start = i + 1;
  }
  yield bytes.subarray(start);
}

/** The value of a hex digit's byte, or -1. */
function hexDigit(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** One name or value: byte arithmetic only, so that a large body does not hold the event loop up for long. */
function decode(encoded: Buffer): string {
  const bytes = Buffer.allocUnsafe(encoded.length);
  let length = 0;
  for (let i = 0; i < encoded.length; i++) {
    const byte = encoded[i]!;
    if (byte === 0x25) {
      const high = hexDigit(encoded[i + 1] ?? -1);
      const low = hexDigit(encoded[i + 2] ?? -1);
      if (high < 0 || low < 0) throw paramError(10420, 'cannot parse the request: a "%" is not followed by two hex digits');
      bytes[length++] = high * 16 + low;
      i += 2;
    } else {
      bytes[length++] = byte === 0x2b ? 0x20 : byte;
    }
  }
  try {
    return strictUtf8.decode(bytes.subarray(0, length));
  } catch {
    throw paramError(10420, 'cannot parse the request: a parameter is not valid UTF-8');
  }
}
