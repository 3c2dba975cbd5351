/**
 * Queues a request names besides the one it acts on, each of which a key must be allowed to send
 * to: messages get there without a send of their own. A dead-letter queue receives the queue's
 * failed messages (bodies its manager chose); a replyTo queue receives the broker's notices (a
 * dead letter, a cancel) and a worker's reply. Without these needs, manage or send on one queue
 * would be a way to write into any other.
 */
import type { Need } from './access.js';

/** The dead-letter queue a queue's attributes name (native and CMQ: `deadLetterPolicy.deadLetterQueue`). */
export function deadLetterQueueNeeds(attributes: unknown): Need[] {
  const policy = (attributes as { deadLetterPolicy?: { deadLetterQueue?: unknown } | null } | null | undefined)?.deadLetterPolicy;
  return policy?.deadLetterQueue === undefined ? [] : [{ permission: 'send', queue: policy.deadLetterQueue }];
}

/** The replyTo queues of a message, or of each message of a batch (`{messages: [...]}`). */
export function replyToNeeds(input: unknown): Need[] {
  const { messages, replyTo } = (input ?? {}) as { messages?: unknown; replyTo?: unknown };
  const all = Array.isArray(messages) ? messages : [{ replyTo }];
  return all.flatMap((message) => {
    const queue = (message as { replyTo?: unknown } | null)?.replyTo;
    return queue === undefined || queue === null ? [] : [{ permission: 'send' as const, queue }];
  });
}
