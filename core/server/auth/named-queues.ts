/**
 * Queues a request names besides the one it acts on, each of which a key must be allowed to send
 * to: messages get there without a send of their own. A dead-letter queue receives the queue's
 * failed messages (bodies its manager chose); a replyTo queue receives the broker's notices (a
 * dead letter, a cancel) and a worker's reply. Without these needs, manage or send on one queue
 * would be a way to write into any other.
 */
import type { Need } from './access.js';

type Policy = { deadLetterQueue?: unknown } | null | undefined;

/** The dead-letter queue a queue's attributes name (`deadLetterPolicy.deadLetterQueue`). */
export function deadLetterQueueNeeds(attributes: unknown): Need[] {
  return policyNeeds((attributes as { deadLetterPolicy?: Policy } | null | undefined)?.deadLetterPolicy);
}

/**
 * The dead-letter queue of a policy as the compatibility APIs write it, parsed by `parse` as
 * their action will parse it; a policy that does not parse is the action's to refuse.
 */
export function parsedPolicyNeeds(parse: () => Policy): Need[] {
  try {
    return policyNeeds(parse());
  } catch {
    return [];
  }
}

function policyNeeds(policy: Policy): Need[] {
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
