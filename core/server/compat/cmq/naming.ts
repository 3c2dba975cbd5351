/**
 * Names and ids. CMQ addresses queues, topics and subscriptions by name (1-64 characters, a
 * letter first, then letters, digits and `-`); Spool's names are a superset (1-80, `_` too), and
 * every Spool queue and topic is reachable by its name here. A bad name is 4000 with CMQ's module
 * code for what it names: 10020 a queue, 10590 a topic, 10580 a subscription. An id (CMQ's
 * `queue-xxxx`, `topic-xxxx`, `subsc-xxxx`) is derived from the name and creation time: the same
 * for the whole life of what it names, on every broker of a shared store, and new when one of the
 * same name is made again.
 */
import { createHash } from 'node:crypto';
import { SpoolError } from '../../../errors.js';
import { checkQueueName, isQueueName } from '../../../engine/validate.js';
import type { QueueRecord } from '../../../store/store.js';
import type { SubscriptionRecord, TopicRecord } from '../../../store/topic-store.js';
import { cmqError } from './errors.js';
import type { Params } from './params.js';

/** CMQ's module codes for a badly formed name, by what the name is of. */
const NAME_MODULES = { queue: 10020, topic: 10590, subscription: 10580 } as const;

function idOf(kind: 'queue' | 'topic' | 'subsc', ...parts: (string | number)[]): string {
  return `${kind}-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16)}`;
}

export function queueId(queue: Pick<QueueRecord, 'name' | 'createdAt'>): string {
  return idOf('queue', queue.name, queue.createdAt);
}

export function topicId(topic: Pick<TopicRecord, 'name' | 'createdAt'>): string {
  return idOf('topic', topic.name, topic.createdAt);
}

export function subscriptionId(subscription: Pick<SubscriptionRecord, 'topic' | 'name' | 'createdAt'>): string {
  return idOf('subsc', subscription.topic, subscription.name, subscription.createdAt);
}

/** The name a parameter holds; INVALID_NAME with CMQ's `module` code when it cannot be one. */
export function checkedName(value: string, param: string, module: number): string {
  try {
    return checkQueueName(value, param);
  } catch (err) {
    throw err instanceof SpoolError ? cmqError(err.code, module, err.message) : err;
  }
}

/** The queue a parameter names (`queueName` by default). */
export function queueNamed(params: Params, param = 'queueName'): string {
  return checkedName(params.string(param), param, NAME_MODULES.queue);
}

export function topicNamed(params: Params): string {
  return checkedName(params.string('topicName'), 'topicName', NAME_MODULES.topic);
}

export function subscriptionNamed(params: Params): string {
  return checkedName(params.string('subscriptionName'), 'subscriptionName', NAME_MODULES.subscription);
}

/** The queue or topic a parameter names if it is a valid name, for an API key's needs; a bad one is the action's to report. */
export function namedIfValid(params: Params, param: string): string | undefined {
  const name = params.peek(param);
  return name !== undefined && isQueueName(name) ? name : undefined;
}

/** Unix seconds, as CMQ gives every time: the second the millisecond falls in. */
export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
