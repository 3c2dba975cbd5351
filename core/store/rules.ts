/**
 * Queue rules that every store applies the same way, whatever its SQL: dead-letter decisions and
 * notices, the dead-letter binding rules, the rewind window, the backlog cap and deduplication within
 * a batch. Pure functions: a store gathers the facts (in its own transaction) and asks here.
 */
import { SpoolError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { QueueAttributes } from '../engine/attributes.js';
import type { NewMessage } from './store.js';

export type DeadLetterReason = 'maxReceiveCount' | 'maxTimeToLive';

/** The JSON body of the notice posted to a dead-lettered message's replyTo queue. */
export interface DeadLetterNotice {
  event: 'deadLetter';
  msgId: string;
  queue: string;
  deadLetterQueue: string;
  reason: DeadLetterReason;
  dequeueCount: number;
  correlationId: string | null;
}

/** True when the queue's receive-count policy says this delivery count is used up. */
export function receivesUsedUp(attributes: QueueAttributes, dequeueCount: number): boolean {
  const policy = attributes.deadLetterPolicy;
  return policy?.policy === 0 && dequeueCount >= (policy.maxReceiveCount ?? Infinity);
}

/**
 * The JSON body of the notice posted to a cancelled message's replyTo queue when it ends without
 * its holder settling it: its lease expired, or was given back, after the cancel.
 */
export interface CancelNotice {
  event: 'cancelled';
  msgId: string;
  queue: string;
  dequeueCount: number;
  correlationId: string | null;
}

/** The message posted to a dead letter's replyTo queue, so a waiting producer learns of it. */
export function deadLetterNoticeMessage(notice: Omit<DeadLetterNotice, 'event'>, now: number): NewMessage {
  return noticeMessage({ event: 'deadLetter', ...notice }, now);
}

/** The message posted to a cancelled message's replyTo queue when the broker ends it. */
export function cancelNoticeMessage(notice: Omit<CancelNotice, 'event'>, now: number): NewMessage {
  return noticeMessage({ event: 'cancelled', ...notice }, now);
}

function noticeMessage(body: DeadLetterNotice | CancelNotice, now: number): NewMessage {
  return {
    body: JSON.stringify(body),
    priority: 0,
    visibleAt: now,
    attributes: { 'spool.event': body.event },
    dedupId: null,
    replyTo: null,
    correlationId: body.correlationId,
    lease: null,
  };
}

/** What the dead-letter binding rules need to know, read by the store. */
export interface DeadLetterTargetFacts {
  /** The target queue's attributes, or null when it does not exist. */
  target: QueueAttributes | null;
  /** Queues whose dead-letter queue is the queue being changed. */
  sourcesOfQueue: string[];
  /** Queues whose dead-letter queue is the target. */
  sourcesOfTarget: string[];
}

/** CMQ's rules: the target exists, is not itself a source, has no policy, and serves ≤ 6 sources. */
export function checkDeadLetterTarget(name: string, target: string, facts: DeadLetterTargetFacts): void {
  if (target === name) throw new SpoolError('INVALID_DEAD_LETTER_POLICY', 'a queue cannot be its own dead-letter queue');
  if (!facts.target) throw new SpoolError('INVALID_DEAD_LETTER_POLICY', `dead-letter queue ${JSON.stringify(target)} does not exist`);
  if (facts.target.deadLetterPolicy) {
    throw new SpoolError('INVALID_DEAD_LETTER_POLICY', `queue ${JSON.stringify(target)} has a dead-letter policy of its own; dead-letter queues do not nest`);
  }
  if (facts.sourcesOfQueue.length > 0) {
    throw new SpoolError('INVALID_DEAD_LETTER_POLICY', `queue ${JSON.stringify(name)} is a dead-letter queue; dead-letter queues do not nest`);
  }
  const sources = facts.sourcesOfTarget.filter((s) => s !== name);
  if (sources.length >= LIMITS.deadLetterSourcesMax) {
    throw new SpoolError('INVALID_DEAD_LETTER_POLICY', `queue ${JSON.stringify(target)} already serves ${sources.length} source queues (at most ${LIMITS.deadLetterSourcesMax})`);
  }
}

/** A queue that other queues dead-letter into cannot be deleted. */
export function checkDeletable(name: string, sources: string[]): void {
  const others = sources.filter((s) => s !== name);
  if (others.length > 0) {
    throw new SpoolError('QUEUE_IS_DEAD_LETTER_TARGET', `queue ${JSON.stringify(name)} is the dead-letter queue of ${others.join(', ')}; unbind it first`);
  }
}

/** Rewind needs rewindSeconds > 0 and a time inside the window. */
export function checkRewind(name: string, attributes: QueueAttributes, since: number, now: number): void {
  const windowMs = attributes.rewindSeconds * 1000;
  if (windowMs === 0) throw new SpoolError('REWIND_NOT_ENABLED', `queue ${JSON.stringify(name)} has rewindSeconds 0; set it to keep deleted messages for rewind`);
  if (since < now - windowMs || since > now) {
    throw new SpoolError('REWIND_TIME_INVALID', `rewind time must lie within the last ${attributes.rewindSeconds} seconds`);
  }
}

/** Fails with BACKLOG_FULL when storing `adding` more messages would pass maxMsgHeapNum. */
export function checkBacklog(name: string, attributes: QueueAttributes, backlog: number, adding: number): void {
  if (backlog + adding > attributes.maxMsgHeapNum) {
    throw new SpoolError('BACKLOG_FULL', `queue ${JSON.stringify(name)} holds ${backlog} messages; its maxMsgHeapNum is ${attributes.maxMsgHeapNum}`);
  }
}

export function queueNotFound(name: string): SpoolError {
  return new SpoolError('QUEUE_NOT_FOUND', `queue ${JSON.stringify(name)} does not exist`);
}

export function staleReceipt(): SpoolError {
  return new SpoolError('RECEIPT_HANDLE_STALE', 'receipt handle is not the current lease of this message (lease expired, message received again, or deleted)');
}

/**
 * Deduplication of one batch: per message, the index of an earlier message of the batch with the
 * same dedupId, or -1; messages whose dedupId is already `known` are not stored either.
 */
export interface DedupPlan {
  /** Per message: 'known' (seen before the batch), an earlier index in the batch, or -1 (store it). */
  earlier: ('known' | number)[];
  /** How many messages will be stored. */
  stored: number;
}

export function planDedup(messages: readonly NewMessage[], known: (dedupId: string) => boolean): DedupPlan {
  const first = new Map<string, number>();
  const earlier: ('known' | number)[] = [];
  let stored = 0;
  messages.forEach(({ dedupId }, i) => {
    if (dedupId === null) {
      earlier.push(-1);
    } else if (known(dedupId)) {
      earlier.push('known');
    } else {
      const at = first.get(dedupId);
      earlier.push(at ?? -1);
      if (at === undefined) first.set(dedupId, i);
    }
    if (earlier[i] === -1) stored++;
  });
  return { earlier, stored };
}
