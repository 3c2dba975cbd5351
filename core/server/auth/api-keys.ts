/**
 * API keys (DESIGN "Auth"). Each key has an id, a secret, and per permission (send, receive,
 * manage) the queues it may use: names, or prefixes ending in `*` (`*` alone: every queue). The
 * secret is what a client presents (`Authorization: Bearer <secret>` or `X-Api-Key: <secret>`);
 * the id names the key in logs and, later, in signed CMQ and SQS requests.
 *
 * A keys file is JSON: `{"keys": [{"id": "...", "secret": "...", "allow": {"send": ["jobs"]}}]}`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SpoolError } from '../../errors.js';
import { LIMITS } from '../../limits.js';

export const PERMISSIONS = ['send', 'receive', 'manage'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface ApiKeySpec {
  id: string;
  /** At least 16 characters; `spool key new` makes one. */
  secret: string;
  /** Queue names or `prefix*` patterns per permission; a permission not listed is not granted. */
  allow: Partial<Record<Permission, string[]>>;
}

const ID = /^[A-Za-z0-9_.-]{1,128}$/;
const PATTERN = new RegExp(`^(\\*|[A-Za-z][A-Za-z0-9_-]{0,${LIMITS.queueNameMaxLength - 1}}\\*?)$`);
const SECRET_MIN = 16;
const SECRET = /^[\x21-\x7e]+$/;

export class ApiKey {
  private readonly allowed: Record<Permission, readonly string[]>;

  constructor(
    readonly id: string,
    allow: Partial<Record<Permission, string[]>>,
  ) {
    this.allowed = { send: allow.send ?? [], receive: allow.receive ?? [], manage: allow.manage ?? [] };
  }

  may(permission: Permission, queue: string): boolean {
    return this.allowed[permission].some((pattern) => matches(pattern, queue));
  }

  /** Manage on `*`: every queue, and the lists of them. */
  get managesAll(): boolean {
    return this.allowed.manage.includes('*');
  }

  /** May it use this queue at all (see it, read its stats)? */
  mayUse(queue: string): boolean {
    return PERMISSIONS.some((permission) => this.may(permission, queue));
  }
}

function matches(pattern: string, queue: string): boolean {
  return pattern.endsWith('*') ? queue.startsWith(pattern.slice(0, -1)) : pattern === queue;
}

/** The broker's keys, found by the secret a client presents, or by id for a request it signed. */
export class KeyRing {
  private readonly bySecretHash = new Map<string, ApiKey>();
  private readonly byId = new Map<string, { key: ApiKey; secret: string }>();

  private constructor(specs: readonly ApiKeySpec[]) {
    for (const spec of specs) {
      const key = new ApiKey(spec.id, spec.allow);
      this.bySecretHash.set(hash(spec.secret), key);
      this.byId.set(spec.id, { key, secret: spec.secret });
    }
  }

  /** Checks every key (ids and secrets unique, patterns valid); `source` names where they came from in errors. */
  static of(specs: unknown, source: string): KeyRing {
    if (!Array.isArray(specs) || specs.length === 0) throw invalid(`${source}: "keys" must be a non-empty array`);
    const ids = new Set<string>();
    const secrets = new Set<string>();
    specs.forEach((spec: unknown, i) => {
      const where = `${source}: keys[${i}]`;
      if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) throw invalid(`${where} must be an object`);
      const { id, secret, allow, ...rest } = spec as Record<string, unknown>;
      const extra = Object.keys(rest);
      if (extra.length > 0) throw invalid(`${where} has unknown field ${JSON.stringify(extra[0])} (id, secret, allow)`);
      if (typeof id !== 'string' || !ID.test(id)) throw invalid(`${where}.id must be 1-128 letters, digits, '_', '.' or '-'`);
      if (ids.has(id)) throw invalid(`${where}.id ${JSON.stringify(id)} is used twice`);
      ids.add(id);
      if (typeof secret !== 'string' || secret.length < SECRET_MIN || !SECRET.test(secret)) {
        throw invalid(`${where}.secret must be at least ${SECRET_MIN} printable ASCII characters without spaces (it travels in an HTTP header)`);
      }
      if (secrets.has(secret)) throw invalid(`${where}.secret is the secret of another key`);
      secrets.add(secret);
      checkAllow(allow, `${where}.allow`);
    });
    return new KeyRing(specs as ApiKeySpec[]);
  }

  static load(path: string): KeyRing {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw invalid(`cannot read API keys file ${path}: ${(err as Error).message}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      // Not the parser's message: it quotes the text around the error, which may be a secret.
      const position = /position (\d+)/.exec((err as Error).message)?.[1];
      throw invalid(`API keys file ${path} is not valid JSON${position === undefined ? '' : ` (at character ${position})`}`);
    }
    return KeyRing.of((parsed as { keys?: unknown } | null)?.keys, `API keys file ${path}`);
  }

  /** The key with this secret, if any. Found by the secret's hash: no comparison leaks its length or prefix. */
  find(secret: string): ApiKey | undefined {
    return this.bySecretHash.get(hash(secret));
  }

  /** A key and its secret by id, to check a request signed with it (SQS's SigV4). */
  signer(id: string): { key: ApiKey; secret: string } | undefined {
    return this.byId.get(id);
  }
}

function checkAllow(allow: unknown, where: string): void {
  if (typeof allow !== 'object' || allow === null || Array.isArray(allow)) throw invalid(`${where} must be an object with send, receive and/or manage`);
  for (const [permission, patterns] of Object.entries(allow)) {
    if (!(PERMISSIONS as readonly string[]).includes(permission)) throw invalid(`${where} has unknown permission ${JSON.stringify(permission)} (send, receive, manage)`);
    if (!Array.isArray(patterns)) throw invalid(`${where}.${permission} must be an array of queue names or prefix* patterns`);
    for (const pattern of patterns) {
      if (typeof pattern !== 'string' || !PATTERN.test(pattern)) {
        throw invalid(`${where}.${permission}: ${JSON.stringify(pattern)} is not a queue name, a prefix ending in *, or *`);
      }
    }
  }
}

function hash(secret: string): string {
  return createHash('sha256').update(secret).digest('base64');
}

function invalid(message: string): SpoolError {
  return new SpoolError('INVALID_PARAMETER', message);
}
