/** spool/core: the queue engine, its stores and its errors. */
export { openEngine, type OpenEngineOptions } from './open.js';
export {
  Engine,
  type EngineOptions,
  type ReceiveOptions,
  type ReceiveBatchOptions,
  type ConsumeOptions,
  type Consumer,
  type DeleteBatchResult,
  type ReplyInput,
  type EngineEvents,
} from './engine/engine.js';
export type { ReceivedMessage } from './engine/message.js';
export type { SendInput } from './engine/validate.js';
export { DEFAULT_ATTRIBUTES, type QueueAttributes, type QueueAttributesInput, type DeadLetterPolicy } from './engine/attributes.js';
export type { DeadLetterNotice } from './store/rules.js';
export { Topics, COPY_ATTRIBUTES } from './engine/topics.js';
export { DEFAULT_TOPIC_ATTRIBUTES, type TopicAttributesInput, type SubscriptionInput, type SubscriptionSettingsInput, type PublishInput } from './engine/topic-input.js';
export { matchesBindingKey, matchesTags, type FilterType } from './engine/topic-match.js';
export type { TopicAttributes, TopicRecord, SubscriptionRecord, SubscriptionSettings, NotifyStrategy, NotifyContentFormat } from './store/topic-store.js';
export { FakeClock, systemClock, type Clock } from './engine/clock.js';
export { SqliteStore, DEFAULT_SQLITE_PATH, type SqliteStoreOptions } from './store/sqlite/sqlite-store.js';
export { PostgresStore, type PostgresStoreOptions } from './store/postgres/postgres-store.js';
export type { Store, StoreDurability, StoreEvent, QueueRecord, QueueStats, CancelOutcome } from './store/store.js';
export { SpoolError, ERROR_TABLE, ERROR_CODES, type ErrorCode, type ErrorSpec } from './errors.js';
export { LIMITS } from './limits.js';
export {
  SpoolClient,
  SpoolClientError,
  SpoolConnectionError,
  SpoolTimeoutError,
  SpoolClientClosedError,
  RemoteTransport,
  EmbeddedTransport,
  TypedEmitter,
  PREFETCH_MAX,
  CLIENT_DEFAULTS,
  type SpoolClientOptions,
  type Transport,
  type ClientEvents,
  type ConnectionStatus,
  type CreateQueueResult,
  type Delivery,
  type ListQueuesOptions,
  type Message,
  type MessageHandler,
  type QueueDetails,
  type QueueInfo,
  type QueueList,
  type ReceiveOptions as ClientReceiveOptions,
  type SubscribeOptions,
  type Subscription,
  type TopicCalls,
  type CreateTopicResult,
  type TopicInfo,
  type TopicList,
  type TopicSubscription,
  type TopicSubscriptionList,
} from './client/index.js';
