/**
 * Queue attributes: CMQ's names, ranges and defaults, validated once here. All durations are in
 * seconds as in CMQ; docs/semantics.md lists where Spool departs from CMQ.
 */
import { SpoolError } from '../errors.js';
import { LIMITS } from '../limits.js';

export interface DeadLetterPolicy {
  /** Name of the queue that receives dead letters; it must exist and have no policy of its own. */
  deadLetterQueue: string;
  /** 0: dead-letter after maxReceiveCount deliveries without delete; 1: after maxTimeToLive. */
  policy: 0 | 1;
  maxReceiveCount?: number;
  maxTimeToLive?: number;
}

export interface QueueAttributes {
  visibilityTimeout: number;
  pollingWaitSeconds: number;
  maxMsgSize: number;
  msgRetentionSeconds: number;
  rewindSeconds: number;
  maxMsgHeapNum: number;
  delaySeconds: number;
  deadLetterPolicy: DeadLetterPolicy | null;
}

/** What callers may pass: any subset; deadLetterPolicy also as CMQ's JSON string, null to unbind. */
export type QueueAttributesInput = Partial<Omit<QueueAttributes, 'deadLetterPolicy'>> & {
  deadLetterPolicy?: DeadLetterPolicy | string | null;
};

export const DEFAULT_ATTRIBUTES: Readonly<QueueAttributes> = Object.freeze({
  visibilityTimeout: 30,
  pollingWaitSeconds: 0,
  maxMsgSize: 1_048_576,
  msgRetentionSeconds: 345_600,
  rewindSeconds: 0,
  maxMsgHeapNum: 100_000_000,
  delaySeconds: 0,
  deadLetterPolicy: null,
});

const NUMERIC_RANGES: Record<Exclude<keyof QueueAttributes, 'deadLetterPolicy'>, readonly [number, number]> = {
  visibilityTimeout: [1, LIMITS.visibilityTimeoutMax],
  pollingWaitSeconds: [0, LIMITS.pollingWaitSecondsMax],
  maxMsgSize: [1024, 1_048_576],
  msgRetentionSeconds: [60, 1_296_000],
  rewindSeconds: [0, 1_296_000],
  maxMsgHeapNum: [1, 1_000_000_000],
  delaySeconds: [0, LIMITS.delaySecondsMax],
};

export function checkInteger(name: string, value: unknown, min: number, max: number, code: 'INVALID_ATTRIBUTE' | 'INVALID_PARAMETER' = 'INVALID_PARAMETER'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SpoolError(code, `${name} must be an integer from ${min} to ${max}, got ${describe(value)}`);
  }
  return value;
}

/** Merges `input` over `base` and validates the result as a whole (cross-field rules included). */
export function resolveAttributes(input: unknown, base: Readonly<QueueAttributes> = DEFAULT_ATTRIBUTES): QueueAttributes {
  if (input === undefined || input === null) input = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new SpoolError('INVALID_ATTRIBUTE', 'attributes must be an object');
  }
  const merged: QueueAttributes = { ...base };
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (key === 'deadLetterPolicy') {
      merged.deadLetterPolicy = parseDeadLetterPolicy(value);
    } else if (Object.hasOwn(NUMERIC_RANGES, key)) {
      const name = key as keyof typeof NUMERIC_RANGES;
      const [min, max] = NUMERIC_RANGES[name];
      merged[name] = checkInteger(name, value, min, max, 'INVALID_ATTRIBUTE');
    } else {
      throw new SpoolError('INVALID_ATTRIBUTE', `unknown queue attribute ${JSON.stringify(key)}`);
    }
  }
  if (merged.rewindSeconds > merged.msgRetentionSeconds) {
    throw new SpoolError('INVALID_ATTRIBUTE', 'rewindSeconds must not exceed msgRetentionSeconds');
  }
  const ttl = merged.deadLetterPolicy?.maxTimeToLive;
  if (ttl !== undefined && ttl >= merged.msgRetentionSeconds) {
    throw new SpoolError('INVALID_DEAD_LETTER_POLICY', 'maxTimeToLive must be less than msgRetentionSeconds');
  }
  return merged;
}

function parseDeadLetterPolicy(value: unknown): DeadLetterPolicy | null {
  if (value === null || value === '') return null;
  let raw = value;
  if (typeof raw === 'string') {
    try {
      raw = JSON.parse(raw);
    } catch {
      throw new SpoolError('INVALID_DEAD_LETTER_POLICY', 'deadLetterPolicy is not valid JSON');
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new SpoolError('INVALID_DEAD_LETTER_POLICY', 'deadLetterPolicy must be an object');
  }
  const { deadLetterQueue, policy, maxReceiveCount, maxTimeToLive, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw new SpoolError('INVALID_DEAD_LETTER_POLICY', `unknown deadLetterPolicy field ${JSON.stringify(unknown[0])}`);
  }
  if (typeof deadLetterQueue !== 'string' || deadLetterQueue === '') {
    throw new SpoolError('INVALID_DEAD_LETTER_POLICY', 'deadLetterPolicy.deadLetterQueue must be a queue name');
  }
  if (policy === 0 || policy === undefined) {
    const count = checkPolicyNumber('maxReceiveCount', maxReceiveCount, 1, 1000);
    return { deadLetterQueue, policy: 0, maxReceiveCount: count };
  }
  if (policy === 1) {
    const ttl = checkPolicyNumber('maxTimeToLive', maxTimeToLive, 300, 43_200);
    return { deadLetterQueue, policy: 1, maxTimeToLive: ttl };
  }
  throw new SpoolError('INVALID_DEAD_LETTER_POLICY', 'deadLetterPolicy.policy must be 0 (receive count) or 1 (time to live)');
}

function checkPolicyNumber(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SpoolError('INVALID_DEAD_LETTER_POLICY', `deadLetterPolicy.${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

export function sameAttributes(a: QueueAttributes, b: QueueAttributes): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(a: QueueAttributes): unknown[] {
  const p = a.deadLetterPolicy;
  return [
    a.visibilityTimeout, a.pollingWaitSeconds, a.maxMsgSize, a.msgRetentionSeconds, a.rewindSeconds,
    a.maxMsgHeapNum, a.delaySeconds,
    p && [p.deadLetterQueue, p.policy, p.maxReceiveCount ?? null, p.maxTimeToLive ?? null],
  ];
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'object') return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}
