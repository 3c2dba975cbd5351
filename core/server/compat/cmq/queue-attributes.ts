/**
 * CMQ queue attributes ↔ Spool's. The names are the same (Spool took CMQ's), durations are seconds
 * on both sides, and the ranges are CMQ's (1.3 of the reference), newer-doc `maxMsgSize` up to
 * 1 MiB. A value outside is 4000/10350 naming the range; rewindSeconds above msgRetentionSeconds is
 * 10700. `deadLetterPolicy` is CMQ's JSON string `{deadLetterQueue, policy, maxReceiveCount |
 * maxTimeToLive}`, checked here for CMQ's module codes (10710 not JSON, 10760 no queue, 10770 policy
 * not 0 or 1) and by the engine for the rest; `""` removes it. Spool's `delaySeconds` queue default
 * has no CMQ name and is not reached from here.
 */
import { DEFAULT_ATTRIBUTES, type DeadLetterPolicy, type QueueAttributes, type QueueAttributesInput } from '../../../engine/attributes.js';
import type { Engine } from '../../../engine/engine.js';
import { SpoolError } from '../../../errors.js';
import { LIMITS } from '../../../limits.js';
import type { QueueRecord } from '../../../store/store.js';
import { cmqError } from './errors.js';
import { queueId, seconds } from './naming.js';
import type { Params } from './params.js';

/** CMQ's ranges (a topic's maxMsgSize takes the queue's, newer-doc range). */
export const RANGES = {
  maxMsgHeapNum: [1_000_000, 1_000_000_000],
  pollingWaitSeconds: [0, LIMITS.pollingWaitSecondsMax],
  visibilityTimeout: [1, LIMITS.visibilityTimeoutMax],
  maxMsgSize: [1024, 1_048_576],
  msgRetentionSeconds: [60, 1_296_000],
  rewindSeconds: [0, 1_296_000],
} as const satisfies Partial<Record<keyof QueueAttributes, readonly [number, number]>>;

type Settable = keyof typeof RANGES;

/** The attributes CreateQueue or SetQueueAttributes names, merged over `base` to check rewindSeconds against retention. */
export function readAttributes(params: Params, base: QueueAttributes = DEFAULT_ATTRIBUTES): QueueAttributesInput {
  const out: QueueAttributesInput = {};
  for (const [name, [min, max]] of Object.entries(RANGES) as [Settable, readonly [number, number]][]) {
    const value = params.optionalInteger(name, min, max);
    if (value !== undefined) out[name] = value;
  }
  const rewind = out.rewindSeconds ?? base.rewindSeconds;
  const retention = out.msgRetentionSeconds ?? base.msgRetentionSeconds;
  if (rewind > retention) throw cmqError('INVALID_ATTRIBUTE', 10700, `rewindSeconds (${rewind}) cannot be greater than msgRetentionSeconds (${retention})`);
  const policy = params.optionalString('deadLetterPolicy');
  if (policy !== undefined) out.deadLetterPolicy = readDeadLetterPolicy(policy);
  return out;
}

export function readDeadLetterPolicy(text: string): DeadLetterPolicy | null {
  if (text === '') return null;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw policyError(10710, 'deadLetterPolicy must be a JSON object string: {"deadLetterQueue": "<name>", "policy": 0, "maxReceiveCount": 1-1000}');
  }
  const { deadLetterQueue, policy } = raw as Record<string, unknown>;
  if (typeof deadLetterQueue !== 'string' || deadLetterQueue === '') throw policyError(10760, 'deadLetterPolicy must have deadLetterQueue, a queue name');
  if (policy !== 0 && policy !== 1) throw policyError(10770, 'deadLetterPolicy must have policy 0 (maxReceiveCount) or 1 (maxTimeToLive)');
  // The engine checks the counts and refuses unknown fields.
  return raw as DeadLetterPolicy;
}

function policyError(module: number, message: string) {
  return cmqError('INVALID_DEAD_LETTER_POLICY', module, message);
}

/**
 * Runs a create or change of `queue`'s attributes; a dead-letter binding the engine refuses gets
 * CMQ's module code for the rule it broke, looked up only then: 10730 no such queue, 10740 nesting,
 * 10780 a seventh source, 10720 any other.
 */
export async function bindingDeadLetters<T>(engine: Engine, queue: string, input: QueueAttributesInput, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    const policy = input.deadLetterPolicy;
    if (!(err instanceof SpoolError && err.code === 'INVALID_DEAD_LETTER_POLICY' && typeof policy === 'object' && policy !== null)) throw err;
    throw cmqError(err.code, await brokenRule(engine, queue, policy.deadLetterQueue), err.message);
  }
}

async function brokenRule(engine: Engine, queue: string, target: string): Promise<number> {
  const queues = await engine.allQueues();
  const targetOf = (q: QueueRecord) => q.attributes.deadLetterPolicy?.deadLetterQueue;
  const found = queues.find((q) => q.name === target);
  if (target === queue) return 10720;
  if (!found) return 10730;
  if (found.attributes.deadLetterPolicy || queues.some((q) => targetOf(q) === queue)) return 10740;
  if (queues.filter((q) => q.name !== queue && targetOf(q) === target).length >= LIMITS.deadLetterSourcesMax) return 10780;
  return 10720;
}

/** What SetQueueAttributes answers with: the settable attributes as they now are. */
export function settableFields(queue: QueueRecord): Record<string, unknown> {
  const fields: Record<string, unknown> = { queueId: queueId(queue) };
  for (const name of Object.keys(RANGES) as Settable[]) fields[name] = queue.attributes[name];
  const policy = queue.attributes.deadLetterPolicy;
  // Absent when there is none; the queue is named, not given by id, so that the string can be set again as it is.
  if (policy) fields.deadLetterPolicy = JSON.stringify(policy);
  return fields;
}

/** GetQueueAttributes: the settable attributes, the times, and the message counts. */
export async function attributeFields(engine: Engine, queue: QueueRecord): Promise<Record<string, unknown>> {
  const stats = await engine.stats(queue.name);
  const now = engine.clock.now();
  return {
    ...settableFields(queue),
    createTime: seconds(queue.createdAt),
    lastModifyTime: seconds(queue.modifiedAt),
    activeMsgNum: stats.activeMsgNum,
    inactiveMsgNum: stats.inactiveMsgNum,
    delayMsgNum: stats.delayMsgNum,
    // `rewindmsgNum` in CMQ's docs and Python SDK, `rewindMsgNum` in its Java SDK: both.
    rewindmsgNum: stats.rewindMsgNum,
    rewindMsgNum: stats.rewindMsgNum,
    // The age of the oldest message not yet deleted, in seconds; 0 with none.
    minMsgTime: stats.minMsgTime === null ? 0 : Math.max(0, seconds(now - stats.minMsgTime)),
  };
}
