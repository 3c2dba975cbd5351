/** The Spool client: the native API over HTTP and WebSocket, or over an engine in this process. */
export { SpoolClient } from './client.js';
export { SpoolClientError, SpoolConnectionError, SpoolTimeoutError, SpoolClientClosedError } from './errors.js';
export { CLIENT_DEFAULTS, resolveClientOptions, type SpoolClientOptions, type ResolvedClientOptions } from './options.js';
export type { Transport } from './transport.js';
export type { TopicCalls, CreateTopicResult, TopicInfo, TopicList, TopicSubscription, TopicSubscriptionList } from './topics.js';
export { RemoteTransport } from './remote-transport.js';
export { EmbeddedTransport } from './embedded-transport.js';
export { TypedEmitter } from './events.js';
export { Backoff, type BackoffOptions } from './backoff.js';
export {
  PREFETCH_MAX,
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
  type ReceiveOptions,
  type SubscribeOptions,
  type Subscription,
} from './types.js';
export { checkKnownOptions, describeValue, integerOption, resolveConnection, openConnection, type BrokerConnection, type BrokerConnectionInput } from './connection.js';
