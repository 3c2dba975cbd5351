/**
 * Checks of user input that enters the engine: queue names, messages, batches, receive options.
 * Each failure is a SpoolError naming the field, raised before anything is stored.
 */
import { SpoolError } from '../errors.js';
import { LIMITS } from '../limits.js';
import { checkInteger, describe, type QueueAttributes } from './attributes.js';
import type { ListQueuesQuery, NewMessage } from '../store/store.js';

const QUEUE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

export function isQueueName(name: unknown): name is string {
  return typeof name === 'string' && name.length > 0 && name.length <= LIMITS.queueNameMaxLength && QUEUE_NAME.test(name);
}

export function checkQueueName(name: unknown, field = 'queue name'): string {
  if (!isQueueName(name)) {
    throw new SpoolError(
      'INVALID_NAME',
      `${field} must be 1-${LIMITS.queueNameMaxLength} characters, a letter first, then letters, digits, '-' or '_'; got ${describe(name)}`,
    );
  }
  return name;
}

export interface SendInput {
  /** UTF-8 text, 1 byte up to the queue's maxMsgSize. */
  body: string;
  /** Seconds before the message becomes receivable (default: the queue's delaySeconds). */
  delaySeconds?: number;
  /** Higher is received first; default 0. */
  priority?: number;
  attributes?: Record<string, string>;
  /** A second send with the same dedupId within five minutes returns the first msgId and stores nothing. */
  dedupId?: string;
  /** Queue that receives the reply (complete) or a dead-letter notice. */
  replyTo?: string;
  correlationId?: string;
}

const SEND_FIELDS = new Set(['body', 'delaySeconds', 'priority', 'attributes', 'dedupId', 'replyTo', 'correlationId']);

export function checkBatch<T>(items: unknown, what: string): T[] {
  if (!Array.isArray(items)) throw new SpoolError('INVALID_PARAMETER', `${what} must be an array`);
  if (items.length === 0) throw new SpoolError('BATCH_EMPTY', `${what} must not be empty`);
  if (items.length > LIMITS.batchMax) {
    throw new SpoolError('BATCH_TOO_LARGE', `${what} may hold at most ${LIMITS.batchMax} entries, got ${items.length}`);
  }
  return items as T[];
}

/** Validates one message and turns it into what the store writes. */
export function toNewMessage(input: unknown, attrs: QueueAttributes, now: number): NewMessage {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SpoolError('INVALID_PARAMETER', 'a message must be an object with a body');
  }
  for (const key of Object.keys(input)) {
    if (!SEND_FIELDS.has(key)) throw new SpoolError('INVALID_PARAMETER', `unknown message field ${JSON.stringify(key)}`);
  }
  const msg = input as Partial<Record<keyof SendInput, unknown>>;
  const body = checkBody(msg.body, attrs.maxMsgSize);
  const delaySeconds = msg.delaySeconds === undefined ? attrs.delaySeconds : checkInteger('delaySeconds', msg.delaySeconds, 0, LIMITS.delaySecondsMax);
  const priority = msg.priority === undefined ? 0 : checkInteger('priority', msg.priority, LIMITS.priorityMin, LIMITS.priorityMax);
  return {
    body,
    priority,
    visibleAt: now + delaySeconds * 1000,
    attributes: checkMessageAttributes(msg.attributes),
    dedupId: optionalId('dedupId', msg.dedupId),
    replyTo: msg.replyTo === undefined ? null : checkQueueName(msg.replyTo, 'replyTo'),
    correlationId: optionalId('correlationId', msg.correlationId),
    lease: null,
  };
}

export function checkBody(body: unknown, maxBytes: number): string {
  if (typeof body !== 'string') throw new SpoolError('INVALID_MESSAGE_BODY', `body must be a string, got ${describe(body)}`);
  if (body.length === 0) throw new SpoolError('INVALID_MESSAGE_BODY', 'body must not be empty');
  // A lone surrogate has no UTF-8 form: storing it would silently change the body.
  if (!body.isWellFormed()) throw new SpoolError('INVALID_MESSAGE_BODY', 'body must be valid Unicode text (it has a lone surrogate)');
  // Cheap bound first: UTF-8 takes at most 3 bytes per UTF-16 unit.
  if (body.length * 3 > maxBytes) {
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > maxBytes) throw new SpoolError('MESSAGE_TOO_LARGE', `body is ${bytes} bytes; this queue's maxMsgSize is ${maxBytes}`);
  }
  return body;
}

function checkMessageAttributes(value: unknown): Record<string, string> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new SpoolError('INVALID_PARAMETER', 'attributes must be an object of strings');
  const entries = Object.entries(value);
  if (entries.length > LIMITS.attributesMax) {
    throw new SpoolError('INVALID_PARAMETER', `a message may carry at most ${LIMITS.attributesMax} attributes`);
  }
  const out: Record<string, string> = {};
  for (const [key, v] of entries) {
    if (key.length === 0 || key.length > LIMITS.attributeKeyMaxLength || !key.isWellFormed()) {
      throw new SpoolError('INVALID_PARAMETER', `attribute names must be 1-${LIMITS.attributeKeyMaxLength} characters`);
    }
    // Assigned, it would set the map's prototype and vanish; HTTP refuses it already.
    if (key === '__proto__') throw new SpoolError('INVALID_PARAMETER', 'an attribute cannot be named __proto__');
    if (typeof v !== 'string' || v.length > LIMITS.attributeValueMaxLength || !v.isWellFormed()) {
      throw new SpoolError('INVALID_PARAMETER', `attribute ${JSON.stringify(key)} must be a string of at most ${LIMITS.attributeValueMaxLength} characters`);
    }
    out[key] = v;
  }
  return entries.length === 0 ? null : out;
}

function optionalId(name: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  // NUL: PostgreSQL's text cannot hold it, so neither store takes it.
  if (typeof value !== 'string' || value.length === 0 || value.length > LIMITS.idMaxLength || !value.isWellFormed() || value.includes('\0')) {
    throw new SpoolError('INVALID_PARAMETER', `${name} must be a string of 1-${LIMITS.idMaxLength} characters, without NUL`);
  }
  return value;
}

/** A list's paging (queues, topics, subscriptions): a name prefix, an offset, a limit of 1-1000 (default 20). */
export function checkListQuery(query: Partial<ListQueuesQuery>): ListQueuesQuery {
  const prefix = query.prefix ?? '';
  if (typeof prefix !== 'string' || prefix.length > LIMITS.queueNameMaxLength) {
    throw new SpoolError('INVALID_PARAMETER', `prefix must be a string of at most ${LIMITS.queueNameMaxLength} characters`);
  }
  const offset = checkInteger('offset', query.offset ?? 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = checkInteger('limit', query.limit ?? 20, 1, LIMITS.listLimitMax);
  return { prefix, offset, limit };
}
