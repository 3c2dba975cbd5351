/**
 * SQS queue attributes ↔ Spool's (docs/sqs.md has the table). Values travel as strings. Ranges are
 * SQS's, except where Spool's are narrower (VisibilityTimeout ≥ 1): there a value outside is
 * refused with InvalidAttributeValue naming the range, never clamped. RedrivePolicy is CMQ's
 * policy 0 (`{deadLetterTargetArn, maxReceiveCount}` ↔ `{deadLetterQueue, policy: 0,
 * maxReceiveCount}`); a queue with policy 1 (time to live) shows no RedrivePolicy. FIFO attributes
 * are UnsupportedOperation; the policy, KMS and SSE ones InvalidAttributeName.
 */
import type { DeadLetterPolicy, QueueAttributes, QueueAttributesInput } from '../../../engine/attributes.js';
import type { SqsContext } from './context.js';
import { SqsError } from './errors.js';
import { queueArn, queueOfArn } from './naming.js';

type NumericAttribute = Exclude<keyof QueueAttributes, 'deadLetterPolicy'>;

const NUMERIC: Record<string, { spool: NumericAttribute; min: number; max: number; range?: string }> = {
  VisibilityTimeout: { spool: 'visibilityTimeout', min: 1, max: 43_200, range: " (Spool's range; SQS also allows 0)" },
  DelaySeconds: { spool: 'delaySeconds', min: 0, max: 900 },
  ReceiveMessageWaitTimeSeconds: { spool: 'pollingWaitSeconds', min: 0, max: 20 },
  MessageRetentionPeriod: { spool: 'msgRetentionSeconds', min: 60, max: 1_209_600 },
  MaximumMessageSize: { spool: 'maxMsgSize', min: 1024, max: 1_048_576 },
};
const REDRIVE_POLICY = 'RedrivePolicy';
const STATS = {
  ApproximateNumberOfMessages: 'activeMsgNum',
  ApproximateNumberOfMessagesNotVisible: 'inactiveMsgNum',
  ApproximateNumberOfMessagesDelayed: 'delayMsgNum',
} as const;
const READ_ONLY = new Set(['QueueArn', 'CreatedTimestamp', 'LastModifiedTimestamp', ...Object.keys(STATS)]);
const FIFO = new Set(['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);
const NOT_SUPPORTED = new Set(['Policy', 'RedriveAllowPolicy', 'KmsMasterKeyId', 'KmsDataKeyReusePeriodSeconds', 'SqsManagedSseEnabled']);
const DEFAULT_MAX_RECEIVE_COUNT = 10;

/** Spool attributes for CreateQueue or SetQueueAttributes' `Attributes`. */
export function toQueueAttributes(attributes: Record<string, string>, { creating }: { creating: boolean }): QueueAttributesInput {
  const out: QueueAttributesInput = {};
  for (const [name, value] of Object.entries(attributes)) {
    const numeric = Object.hasOwn(NUMERIC, name) ? NUMERIC[name]! : undefined;
    if (numeric) out[numeric.spool] = parseInteger(name, value, numeric.min, numeric.max, numeric.range);
    else if (name === REDRIVE_POLICY) out.deadLetterPolicy = parseRedrivePolicy(value);
    // A standard queue is what FifoQueue=false asks for.
    else if (creating && name === 'FifoQueue' && value === 'false') continue;
    else if (FIFO.has(name)) throw new SqsError('UnsupportedOperation', `Spool has no FIFO queues (attribute ${name})`);
    else if (NOT_SUPPORTED.has(name)) throw new SqsError('InvalidAttributeName', `attribute ${name} is not supported by Spool (see docs/sqs.md)`);
    else if (READ_ONLY.has(name)) throw new SqsError('InvalidAttributeName', `attribute ${name} is read-only`);
    else throw new SqsError('InvalidAttributeName', `unknown attribute ${JSON.stringify(name.slice(0, 200))}`);
  }
  return out;
}

function parseInteger(name: string, value: string, min: number, max: number, range = ''): number {
  const n = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) {
    throw new SqsError('InvalidAttributeValue', `${name} must be an integer from ${min} to ${max}${range}, got ${JSON.stringify(value.slice(0, 40))}`);
  }
  return n;
}

/** `""` removes the policy, as in SQS. */
export function parseRedrivePolicy(value: string): DeadLetterPolicy | null {
  if (value === '') return null;
  const invalid = (why: string) => new SqsError('InvalidAttributeValue', `RedrivePolicy ${why}`);
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    throw invalid('must be JSON: {"deadLetterTargetArn": "<queue ARN>", "maxReceiveCount": 1-1000}');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw invalid('must be a JSON object');
  const { deadLetterTargetArn, maxReceiveCount = DEFAULT_MAX_RECEIVE_COUNT, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw invalid(`has an unknown field ${JSON.stringify(unknown.slice(0, 100))}`);
  const deadLetterQueue = typeof deadLetterTargetArn === 'string' ? queueOfArn(deadLetterTargetArn) : null;
  if (deadLetterQueue === null) throw invalid('needs deadLetterTargetArn, the ARN of an SQS queue (arn:aws:sqs:<region>:<account>:<name>)');
  const count = typeof maxReceiveCount === 'string' && /^\d{1,4}$/.test(maxReceiveCount) ? Number(maxReceiveCount) : maxReceiveCount;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 1000) throw invalid('maxReceiveCount must be an integer from 1 to 1000');
  return { deadLetterQueue, policy: 0, maxReceiveCount: count };
}

/** GetQueueAttributes' answer for `names` (`All` for every attribute Spool has). */
export async function queueAttributes(context: SqsContext, name: string, names: string[]): Promise<Record<string, string>> {
  for (const asked of names) {
    const known = asked === 'All' || Object.hasOwn(NUMERIC, asked) || asked === REDRIVE_POLICY || READ_ONLY.has(asked) || FIFO.has(asked) || NOT_SUPPORTED.has(asked);
    if (!known) throw new SqsError('InvalidAttributeName', `unknown attribute ${JSON.stringify(asked.slice(0, 200))}`);
  }
  const all = names.includes('All');
  const wanted = (attribute: string) => all || names.includes(attribute);
  const queue = await context.engine.getQueue(name);
  const out: Record<string, string> = {};
  if (wanted('QueueArn')) out.QueueArn = queueArn(context, name);
  if (Object.keys(STATS).some(wanted)) {
    const stats = await context.engine.stats(name);
    for (const [attribute, field] of Object.entries(STATS)) if (wanted(attribute)) out[attribute] = String(stats[field]);
  }
  if (wanted('CreatedTimestamp')) out.CreatedTimestamp = String(Math.floor(queue.createdAt / 1000));
  if (wanted('LastModifiedTimestamp')) out.LastModifiedTimestamp = String(Math.floor(queue.modifiedAt / 1000));
  for (const [attribute, { spool }] of Object.entries(NUMERIC)) if (wanted(attribute)) out[attribute] = String(queue.attributes[spool]);
  const policy = queue.attributes.deadLetterPolicy;
  if (wanted(REDRIVE_POLICY) && policy?.policy === 0) {
    out[REDRIVE_POLICY] = JSON.stringify({ deadLetterTargetArn: queueArn(context, policy.deadLetterQueue), maxReceiveCount: policy.maxReceiveCount });
  }
  return out;
}
