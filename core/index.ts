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
export type { DeadLetterNotice } from './store/sqlite/dead-letter.js';
export { FakeClock, systemClock, type Clock } from './engine/clock.js';
export { SqliteStore, DEFAULT_SQLITE_PATH, type SqliteStoreOptions } from './store/sqlite/sqlite-store.js';
export type { Store, StoreDurability, QueueRecord, QueueStats } from './store/store.js';
export { SpoolError, ERROR_TABLE, ERROR_CODES, type ErrorCode, type ErrorSpec } from './errors.js';
export { LIMITS } from './limits.js';
