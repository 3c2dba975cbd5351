/**
 * Handoff: ready messages bound for a queue that is empty while consumers wait on it are stored
 * already leased to those consumers and delivered after their commit, so no claim has to find them
 * (Dispatcher.reserve decides when that is safe). A task's reply reaches its waiting master this
 * way, and a task posted to an idle worker reaches it.
 */
import type { Lease, NewMessage } from '../store/store.js';
import type { Dispatcher, Handoff } from './dispatcher.js';
import { encodeReceipt, newLeaseToken } from './receipt.js';
import type { ReceivedMessage } from './message.js';

interface Handover {
  /** Index of the message in the batch being stored. */
  index: number;
  handoff: Handoff;
  lease: Lease;
}

export class Handovers {
  private constructor(private readonly list: Handover[]) {}

  /**
   * Reserves waiting consumers of `queue` for the ready messages of a batch about to be stored,
   * highest priority first (as a claim would take them), and sets each chosen message's lease.
   * Messages with a dedupId go the usual way: a duplicate is not stored at all.
   */
  static reserve(dispatcher: Dispatcher, queue: string, messages: NewMessage[], now: number): Handovers {
    const list: Handover[] = [];
    const candidates: number[] = [];
    for (let i = 0; i < messages.length; i++) {
      if (messages[i]!.visibleAt <= now && messages[i]!.dedupId === null) candidates.push(i);
    }
    if (candidates.length > 1) candidates.sort((a, b) => messages[b]!.priority - messages[a]!.priority || a - b);
    for (const index of candidates) {
      const handoff = dispatcher.reserve(queue);
      if (!handoff) break;
      const lease = { leaseUntil: now + handoff.visibilityMs, leaseToken: newLeaseToken() };
      messages[index]!.lease = lease;
      list.push({ index, handoff, lease });
    }
    return new Handovers(list);
  }

  get count(): number {
    return this.list.length;
  }

  /** The batch is stored (`msgIds` in its order): hand each leased message to its consumer. */
  deliver(messages: NewMessage[], msgIds: string[], now: number): void {
    for (const { index, handoff, lease } of this.list) handoff.deliver(handedOff(msgIds[index]!, messages[index]!, lease, now));
  }

  /** The batch was not stored: the consumers' credit is free again. */
  cancel(): void {
    for (const { handoff } of this.list) handoff.cancel();
  }
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
