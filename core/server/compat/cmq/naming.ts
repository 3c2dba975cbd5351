/**
 * Queue names and ids. CMQ addresses queues by name (1-64 characters, a letter first, then
 * letters, digits and `-`); Spool's names are a superset (1-80, `_` too), and every Spool queue is
 * reachable by its name here. A queue's `queueId` (CMQ's `queue-xxxx`) is derived from its name and
 * creation time: the same for the queue's whole life, on every broker of a shared store, and new
 * when a queue of the same name is made again.
 */
import { createHash } from 'node:crypto';
import { checkQueueName } from '../../../engine/validate.js';
import type { QueueRecord } from '../../../store/store.js';
import { isQueueName } from '../../../engine/validate.js';
import type { Params } from './params.js';

export function queueId(queue: Pick<QueueRecord, 'name' | 'createdAt'>): string {
  return `queue-${createHash('sha256').update(`${queue.name}\n${queue.createdAt}`).digest('hex').slice(0, 16)}`;
}

/** The queue a parameter names (`queueName` by default); INVALID_NAME (10020) when it cannot be one. */
export function queueNamed(params: Params, param = 'queueName'): string {
  return checkQueueName(params.string(param), param);
}

/** The queue a parameter names if it is a valid name, for an API key's needs; a bad one is the action's to report. */
export function queueNamedIfValid(params: Params, param = 'queueName'): string | undefined {
  const name = params.peek(param);
  return name !== undefined && isQueueName(name) ? name : undefined;
}

/** Unix seconds, as CMQ gives every time: the second the millisecond falls in. */
export function seconds(ms: number): number {
  return Math.floor(ms / 1000);
}
