/**
 * Queue actions: CreateQueue, ListQueue, GetQueueAttributes, SetQueueAttributes, DeleteQueue,
 * RewindQueue, ListDeadLetterSourceQueues and UnbindDeadLetterQueue. As in CMQ, CreateQueue
 * refuses any existing name, compared case-insensitively (4000, module 4460), where the native
 * API accepts the same name with the same attributes.
 */
import type { CmqAction } from './context.js';
import { cmqError, type CmqError } from './errors.js';
import { queueList, readPage, scanPage } from './listing.js';
import { queueId, queueNamed } from './naming.js';
import { attributeFields, bindingDeadLetters, readAttributes, settableFields } from './queue-attributes.js';

/** Far enough for any Unix time in seconds; the engine checks it against the rewind window. */
const UNIX_SECONDS_MAX = 99_999_999_999;

export const createQueue: CmqAction = async (params, { engine }) => {
  const name = queueNamed(params);
  const attributes = readAttributes(params);
  // CMQ's names are unique whatever their case. Two creates racing past this check still make two queues.
  const clash = (await engine.allQueues()).find((queue) => queue.name.toLowerCase() === name.toLowerCase());
  // Named as asked, not as it exists: the caller may not be allowed to see the other queue's name.
  if (clash) throw exists(name);
  const { created, queue } = await bindingDeadLetters(engine, name, attributes, () => engine.createQueue(name, attributes));
  if (!created) throw exists(name);
  return { queueId: queueId(queue) };
};

function exists(name: string): CmqError {
  return cmqError('QUEUE_EXISTS', 4460, `queue is already existed, case insensitive: ${JSON.stringify(name)}`);
}

export const listQueue: CmqAction = async (params, { engine }) => {
  const page = readPage(params);
  if (page.searchWord !== '') return scanPage(engine, page);
  const { total, queues } = await engine.listQueues({ offset: page.offset, limit: page.limit });
  return queueList({ total, items: queues });
};

export const getQueueAttributes: CmqAction = async (params, { engine }) => attributeFields(engine, await engine.getQueue(queueNamed(params)));

export const setQueueAttributes: CmqAction = async (params, { engine }) => {
  const name = queueNamed(params);
  const current = await engine.getQueue(name);
  const attributes = readAttributes(params, current.attributes);
  return settableFields(await bindingDeadLetters(engine, name, attributes, () => engine.setQueueAttributes(name, attributes)));
};

export const deleteQueue: CmqAction = async (params, { engine }) => {
  await engine.deleteQueue(queueNamed(params));
  return {};
};

export const rewindQueue: CmqAction = async (params, { engine }) => {
  const name = queueNamed(params);
  const startConsumeTime = params.integer('startConsumeTime', 0, UNIX_SECONDS_MAX, ' (Unix seconds)');
  await engine.rewind(name, startConsumeTime * 1000);
  return {};
};

export const listDeadLetterSourceQueues: CmqAction = async (params, { engine }) => {
  const deadLetterQueue = queueNamed(params, 'deadLetterQueueName');
  const page = readPage(params);
  await engine.getQueue(deadLetterQueue);
  return scanPage(engine, page, (queue) => queue.attributes.deadLetterPolicy?.deadLetterQueue === deadLetterQueue);
};

export const unbindDeadLetterQueue: CmqAction = async (params, { engine }) => {
  const name = queueNamed(params);
  const queue = await engine.getQueue(name);
  if (!queue.attributes.deadLetterPolicy) throw cmqError('INVALID_DEAD_LETTER_POLICY', 10730, `queue ${JSON.stringify(name)} has no dead-letter queue to unbind`);
  return { queueId: queueId(await engine.setQueueAttributes(name, { deadLetterPolicy: null })) };
};
