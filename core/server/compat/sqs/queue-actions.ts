/**
 * Queue actions: CreateQueue, GetQueueUrl, ListQueues, DeleteQueue, PurgeQueue,
 * Get/SetQueueAttributes and ListDeadLetterSourceQueues. Queues are named in Spool's alphabet (a
 * letter first); `.fifo` names and tags are UnsupportedOperation. List pages carry an opaque
 * NextToken, given only when MaxResults was (as in SQS; without it, up to 1000 come back).
 */
import type { Engine } from '../../../engine/engine.js';
import type { SqsAction } from './context.js';
import { SqsError } from './errors.js';
import { optionalInteger, optionalString, optionalStringList, optionalStringMap, requireString, requireStringMap, type Members } from './input.js';
import { isQueueName } from '../../../engine/validate.js';
import { noSuchQueue, queueOf, queueUrl } from './naming.js';
import { queueAttributes, toQueueAttributes } from './queue-attributes.js';

const LIST_MAX = 1000;

export const createQueue: SqsAction = async (input, context) => {
  const name = requireString(input, 'QueueName');
  if (name.endsWith('.fifo')) throw new SqsError('UnsupportedOperation', 'Spool has no FIFO queues (a name ending in .fifo)');
  const tags = optionalStringMap(input, 'tags');
  if (tags !== undefined && Object.keys(tags).length > 0) throw new SqsError('UnsupportedOperation', 'Spool does not support queue tags');
  await context.engine.createQueue(name, toQueueAttributes(optionalStringMap(input, 'Attributes') ?? {}, { creating: true }));
  return { QueueUrl: queueUrl(context, name) };
};

export const getQueueUrl: SqsAction = async (input, context) => {
  const name = requireString(input, 'QueueName');
  // One account: whoever owns the queue, it is this server's.
  optionalString(input, 'QueueOwnerAWSAccountId');
  if (!isQueueName(name)) throw noSuchQueue(name);
  await context.engine.getQueue(name);
  return { QueueUrl: queueUrl(context, name) };
};

export const listQueues: SqsAction = async (input, context) => {
  const prefix = optionalString(input, 'QueueNamePrefix') ?? '';
  const maxResults = optionalInteger(input, 'MaxResults', 1, LIST_MAX);
  const offset = readNextToken(input, `prefix:${prefix}`);
  const page = await context.engine.listQueues({ prefix, offset, limit: maxResults ?? LIST_MAX });
  const urls = page.queues.map((queue) => queueUrl(context, queue.name));
  return { QueueUrls: urls, ...nextToken(maxResults, `prefix:${prefix}`, offset + urls.length, page.total) };
};

export const listDeadLetterSourceQueues: SqsAction = async (input, context) => {
  const name = queueOf(input);
  await context.engine.getQueue(name);
  const maxResults = optionalInteger(input, 'MaxResults', 1, LIST_MAX);
  const scope = `sources:${name}`;
  const offset = readNextToken(input, scope);
  const sources = await deadLetterSources(context.engine, name);
  const page = sources.slice(offset, offset + (maxResults ?? LIST_MAX));
  // `queueUrls` in lower case: the member's name in SQS's model.
  return { queueUrls: page.map((source) => queueUrl(context, source)), ...nextToken(maxResults, scope, offset + page.length, sources.length) };
};

export const deleteQueue: SqsAction = async (input, { engine }) => {
  await engine.deleteQueue(queueOf(input));
  return {};
};

export const purgeQueue: SqsAction = async (input, { engine }) => {
  await engine.purgeQueue(queueOf(input));
  return {};
};

export const getQueueAttributes: SqsAction = async (input, context) => ({
  Attributes: await queueAttributes(context, queueOf(input), optionalStringList(input, 'AttributeNames') ?? []),
});

export const setQueueAttributes: SqsAction = async (input, { engine }) => {
  const name = queueOf(input);
  await engine.setQueueAttributes(name, toQueueAttributes(requireStringMap(input, 'Attributes'), { creating: false }));
  return {};
};

/** The queues whose RedrivePolicy targets `deadLetterQueue`, in name order (at most 6: CMQ's rule). */
async function deadLetterSources(engine: Engine, deadLetterQueue: string): Promise<string[]> {
  return (await engine.allQueues()).filter((queue) => queue.attributes.deadLetterPolicy?.deadLetterQueue === deadLetterQueue).map((queue) => queue.name);
}

/** A NextToken is the offset of the next page, bound to the listing it came from. */
function nextToken(maxResults: number | undefined, scope: string, next: number, total: number): Members {
  if (maxResults === undefined || next >= total) return {};
  return { NextToken: Buffer.from(JSON.stringify([scope, next])).toString('base64url') };
}

function readNextToken(input: Members, scope: string): number {
  const token = optionalString(input, 'NextToken');
  if (token === undefined) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    parsed = null;
  }
  if (!Array.isArray(parsed) || parsed[0] !== scope || !Number.isSafeInteger(parsed[1]) || parsed[1] < 0) {
    throw new SqsError('InvalidParameterValue', 'NextToken is not one this listing gave');
  }
  return parsed[1] as number;
}
