/**
 * Frames of the WebSocket protocol (docs/protocol.md): parsing and checking client requests, and
 * building the server's replies and deliveries. Checks here are structural (JSON, id, op, field
 * presence, types, unknown fields); ranges of queue values are the engine's to check.
 */
import type { ReceivedMessage } from '../../engine/message.js';
import { SpoolError } from '../../errors.js';

/** A request id: an integer 1..2^53-1 or a string of 1-64 characters. */
export type RequestId = number | string;

export const REQUEST_ID_MAX_LENGTH = 64;

export type Request =
  | { id: RequestId; op: 'send'; queue: string; message?: unknown; messages?: unknown }
  | { id: RequestId; op: 'subscribe'; queue: string; prefetch: number; visibilityTimeout?: number }
  | { id: RequestId; op: 'credit'; subscription: string; prefetch: number }
  | { id: RequestId; op: 'unsubscribe'; subscription: string }
  | { id: RequestId; op: 'ack'; queue: string; receiptHandles: unknown[] }
  | { id: RequestId; op: 'extend'; queue: string; receiptHandle: string; visibilityTimeout: number; body?: unknown }
  | { id: RequestId; op: 'release'; queue: string; receiptHandle: string; delaySeconds?: number }
  | { id: RequestId; op: 'requeue'; queue: string; receiptHandle: string }
  | { id: RequestId; op: 'complete'; queue: string; receiptHandle: string; reply: Record<string, unknown> }
  | { id: RequestId; op: 'cancel'; queue: string; msgId: string };

export type Op = Request['op'];

type FieldType = 'string' | 'integer' | 'number' | 'object' | 'array' | 'any';
/** Field name → type; a trailing '?' on the name marks it optional. */
type Shape = Record<string, FieldType>;

const SHAPES: Record<Op, Shape> = {
  send: { queue: 'string', 'message?': 'any', 'messages?': 'any' },
  subscribe: { queue: 'string', prefetch: 'integer', 'visibilityTimeout?': 'integer' },
  credit: { subscription: 'string', prefetch: 'integer' },
  unsubscribe: { subscription: 'string' },
  ack: { queue: 'string', receiptHandles: 'array' },
  extend: { queue: 'string', receiptHandle: 'string', visibilityTimeout: 'integer', 'body?': 'any' },
  release: { queue: 'string', receiptHandle: 'string', 'delaySeconds?': 'number' },
  requeue: { queue: 'string', receiptHandle: 'string' },
  complete: { queue: 'string', receiptHandle: 'string', reply: 'object' },
  cancel: { queue: 'string', msgId: 'string' },
};

/** A shape as checkShape reads it: built once per op, so a frame's check allocates nothing. */
interface CompiledShape {
  fields: { name: string; type: FieldType; optional: boolean }[];
  known: Set<string>;
}

const COMPILED = Object.fromEntries(
  Object.entries(SHAPES).map(([op, shape]) => {
    const fields = Object.entries(shape).map(([spec, type]) => ({ name: spec.replace(/\?$/, ''), type, optional: spec.endsWith('?') }));
    return [op, { fields, known: new Set(['id', 'op', ...fields.map((f) => f.name)]) }];
  }),
) as Record<Op, CompiledShape>;

export type ParsedFrame = { ok: true; request: Request } | { ok: false; id: RequestId | null; error: SpoolError };

/** Parses one text frame. Never throws: a bad frame becomes an error to reply with (id null when unknown). */
export function parseFrame(text: string): ParsedFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return bad(null, 'frame is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(null, 'frame must be a JSON object');
  const frame = value as Record<string, unknown>;
  const id = frame.id;
  if (!isRequestId(id)) {
    return bad(null, `id must be an integer from 1 to 2^53-1 or a string of 1-${REQUEST_ID_MAX_LENGTH} characters`);
  }
  const op = frame.op;
  if (typeof op !== 'string' || !Object.hasOwn(SHAPES, op)) {
    return bad(id, `op must be one of ${Object.keys(SHAPES).join(', ')}`);
  }
  const problem = checkShape(frame, COMPILED[op as Op]);
  if (problem) return bad(id, `${op}: ${problem}`);
  if (op === 'send' && (frame.message === undefined) === (frame.messages === undefined)) {
    return bad(id, 'send: give exactly one of message and messages');
  }
  return { ok: true, request: frame as unknown as Request };
}

export function isRequestId(id: unknown): id is RequestId {
  if (typeof id === 'number') return Number.isSafeInteger(id) && id >= 1;
  return typeof id === 'string' && id.length >= 1 && id.length <= REQUEST_ID_MAX_LENGTH;
}

function checkShape(frame: Record<string, unknown>, { fields, known }: CompiledShape): string | null {
  for (const { name, type, optional } of fields) {
    const value = Object.hasOwn(frame, name) ? frame[name] : undefined;
    if (value === undefined) {
      if (optional) continue;
      return `${name} is required`;
    }
    if (!hasType(value, type)) return `${name} must be ${article(type)}`;
  }
  for (const key in frame) {
    if (!known.has(key)) return `unknown field ${JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key)}`;
  }
  return null;
}

function hasType(value: unknown, type: FieldType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return typeof value === 'number' && Number.isSafeInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'any':
      return true;
  }
}

function article(type: FieldType): string {
  return type === 'integer' || type === 'object' || type === 'array' ? `an ${type}` : `a ${type}`;
}

function bad(id: RequestId | null, message: string): ParsedFrame {
  return { ok: false, id, error: new SpoolError('INVALID_PARAMETER', message) };
}

// ---- server → client ----

export function replyFrame(id: RequestId | null, result: unknown): string {
  return JSON.stringify({ id, ok: true, result });
}

/** Tells the holder of a lease that its message was cancelled. */
export function cancelFrame(queue: string, msgId: string): string {
  return JSON.stringify({ op: 'cancel', queue, msgId });
}

export function errorFrame(id: RequestId | null, error: SpoolError): string {
  return JSON.stringify({ id, ok: false, error: { code: error.code, message: error.message } });
}

/** About this many bytes of message bodies go in one deliver frame (a larger single message goes alone). */
const DELIVER_FRAME_BYTES = 512 * 1024;
/** What a message's fields other than its body take in JSON, roughly. */
const MESSAGE_OVERHEAD_BYTES = 256;

/** Deliver frames for `messages`, several messages per frame, split so no frame grows far past 512 KiB. */
export function deliverFrames(subscription: string, queue: string, messages: readonly ReceivedMessage[]): string[] {
  const frames: string[] = [];
  let chunk: ReceivedMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = message.body.length + MESSAGE_OVERHEAD_BYTES;
    if (chunk.length > 0 && bytes + size > DELIVER_FRAME_BYTES) {
      frames.push(JSON.stringify({ op: 'deliver', subscription, queue, messages: chunk }));
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) frames.push(JSON.stringify({ op: 'deliver', subscription, queue, messages: chunk }));
  return frames;
}
