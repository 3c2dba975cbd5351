/**
 * Handoff: ready messages bound for a queue that is empty while consumers wait on it are stored
 * already leased to those consumers and delivered after their commit, so no claim has to find them
 * (Dispatcher.reserve decides when that is safe). A task's reply reaches its waiting master this
 * way, and a task posted to an idle worker reaches it.
 */
import type { Lease, NewMessage } from '../store/store.js';
import type { Demand, Dispatcher } from './dispatcher.js';
import type { ReceivedMessage } from './message.js';
import { encodeReceipt, newLeaseToken } from './receipt.js';

/** One message of a batch handed to a demand; also the lease the message is stored with. */
export class Handover implements Lease {
  constructor(
    readonly index: number,
    readonly demand: Demand,
    readonly leaseUntil: number,
    readonly leaseToken: number,
  ) {}
}

/**
 * Reserves waiting consumers of `queue` for the ready messages of a batch about to be stored,
 * highest priority first (as a claim would take them), and sets each chosen message's lease.
 * Messages with a dedupId go the usual way: a duplicate is not stored at all. Null when none is
 * handed off.
 */
export function reserveHandovers(dispatcher: Dispatcher, queue: string, messages: NewMessage[], now: number): Handover[] | null {
  let handovers: Handover[] | null = null;
  for (const index of byPriority(messages, now)) {
    const demand = dispatcher.reserve(queue);
    if (demand === null) break;
    const handover = new Handover(index, demand, now + demand.visibilityMs, newLeaseToken());
    messages[index]!.lease = handover;
    (handovers ??= []).push(handover);
  }
  return handovers;
}

/** The batch is stored (`msgIds` in its order): hands each leased message to its consumer. */
export function handOver(dispatcher: Dispatcher, queue: string, handovers: Handover[], messages: NewMessage[], msgIds: string[], now: number): void {
  for (const h of handovers) dispatcher.handOver(queue, h.demand, handedOff(msgIds[h.index]!, messages[h.index]!, h, now));
}

/** The batch was not stored: the consumers' credit is free again. */
export function cancelHandovers(dispatcher: Dispatcher, queue: string, handovers: Handover[]): void {
  for (const h of handovers) dispatcher.unreserve(queue, h.demand);
}

/** Indexes of the ready messages without a dedupId, highest priority first, then in order. */
function byPriority(messages: NewMessage[], now: number): number[] {
  const candidates: number[] = [];
  for (let i = 0; i < messages.length; i++) {
    if (messages[i]!.visibleAt <= now && messages[i]!.dedupId === null) candidates.push(i);
  }
  if (candidates.length > 1) candidates.sort((a, b) => messages[b]!.priority - messages[a]!.priority || a - b);
  return candidates;
}

/** A message stored leased: its first delivery, as a claim at `now` makes it. */
function handedOff(msgId: string, m: NewMessage, lease: Lease, now: number): ReceivedMessage {
  return {
    msgId,
    receiptHandle: encodeReceipt(msgId, lease.leaseToken),
    body: m.body,
    priority: m.priority,
    enqueueTime: now,
    nextVisibleTime: lease.leaseUntil,
    firstDequeueTime: now,
    dequeueCount: 1,
    attributes: m.attributes ?? {},
    replyTo: m.replyTo,
    correlationId: m.correlationId,
    sourceQueue: null,
  };
}
