/**
 * Every limit Spool enforces, in one place. Ranges follow CMQ API 2.0 (../shared/reference) except
 * where docs/semantics.md records a departure.
 */
export const LIMITS = {
  queueNameMaxLength: 80,
  /** Messages per send, receive or delete batch (CMQ: 16). */
  batchMax: 16,
  /** Per-message delay, seconds (CMQ: 0-3600). */
  delaySecondsMax: 3600,
  /** Long-poll wait, seconds (CMQ: 0-30). */
  pollingWaitSecondsMax: 30,
  /** Lease length, seconds (CMQ: 1-43200; 0 is allowed per call to mean "release now"). */
  visibilityTimeoutMax: 43_200,
  priorityMin: -1_000_000,
  priorityMax: 1_000_000,
  /** Message attributes: count, key length, value length. */
  attributesMax: 16,
  attributeKeyMaxLength: 128,
  attributeValueMaxLength: 4096,
  /** dedupId, replyTo, correlationId length. */
  idMaxLength: 128,
  /** Deduplication window, ms (as SQS FIFO: five minutes). */
  dedupWindowMs: 5 * 60_000,
  /** Queues listed per page. */
  listLimitMax: 1000,
  /** Source queues one dead-letter queue may serve (CMQ: 6). */
  deadLetterSourcesMax: 6,
  /** Subscriptions per topic (CMQ: 100). */
  subscriptionsPerTopicMax: 100,
  /** Filter tags per subscription, tags per published message (CMQ: 5), and a tag's length. */
  tagsMax: 5,
  tagMaxLength: 16,
  /** Binding keys per subscription (CMQ: 5); a binding or routing key's bytes and dots. */
  bindingKeysMax: 5,
  routingKeyMaxBytes: 64,
  routingKeyMaxDots: 15,
  /** An http subscription's endpoint URL, characters (CMQ: 500). */
  endpointMaxLength: 500,
  /** Messages one push subscription may hold unsettled at once. */
  prefetchMax: 10_000,
} as const;
