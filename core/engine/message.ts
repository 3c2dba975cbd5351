/** Messages as the engine returns them: CMQ's received-message fields plus Spool's own. */
import type { LeasedMessage } from '../store/store.js';
import { encodeReceipt } from './receipt.js';

export interface ReceivedMessage {
  msgId: string;
  /** Valid for this delivery only; a new one is issued on every receive. */
  receiptHandle: string;
  body: string;
  priority: number;
  /** Unix ms. */
  enqueueTime: number;
  /** Unix ms when the lease ends and the message becomes receivable again. */
  nextVisibleTime: number;
  /** Unix ms of the first delivery. */
  firstDequeueTime: number;
  /** Deliveries so far, this one included. */
  dequeueCount: number;
  attributes: Record<string, string>;
  replyTo: string | null;
  correlationId: string | null;
  /** On a dead letter: the queue it came from. */
  sourceQueue: string | null;
}

export function toReceived(m: LeasedMessage): ReceivedMessage {
  return {
    msgId: m.msgId,
    receiptHandle: encodeReceipt(m.msgId, m.leaseToken),
    body: m.body,
    priority: m.priority,
    enqueueTime: m.enqueueTime,
    nextVisibleTime: m.nextVisibleTime,
    firstDequeueTime: m.firstDequeueTime ?? m.nextVisibleTime,
    dequeueCount: m.dequeueCount,
    attributes: m.attributes ?? {},
    replyTo: m.replyTo,
    correlationId: m.correlationId,
    sourceQueue: m.sourceQueue,
  };
}
