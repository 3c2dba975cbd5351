/**
 * The one interface between a client and a broker, remote (HTTP + WebSocket) or in-process
 * (embedded). SpoolClient, and the master and worker runtimes above it, use only this.
 */
import type { TypedEmitter } from './events.js';
import type { TopicCalls } from './topics.js';
import type {
  CancelOutcome,
  ClientEvents,
  ConnectionStatus,
  CreateQueueResult,
  DeleteBatchResult,
  ListQueuesOptions,
  Message,
  MessageHandler,
  QueueAttributesInput,
  QueueDetails,
  QueueInfo,
  QueueList,
  QueueStats,
  ReceiveOptions,
  ReplyInput,
  SendInput,
  SubscribeOptions,
  Subscription,
} from './types.js';

export interface Transport {
  readonly kind: 'remote' | 'embedded';
  readonly events: TypedEmitter<ClientEvents>;
  status(): ConnectionStatus;
  /** Topics and publish (docs/topics.md). */
  readonly topics: TopicCalls;

  createQueue(name: string, attributes?: QueueAttributesInput): Promise<CreateQueueResult>;
  listQueues(options?: ListQueuesOptions): Promise<QueueList>;
  getQueue(name: string): Promise<QueueDetails>;
  setQueueAttributes(name: string, attributes: QueueAttributesInput): Promise<QueueInfo>;
  deleteQueue(name: string): Promise<void>;
  purgeQueue(name: string): Promise<number>;
  rewindQueue(name: string, since: number): Promise<number>;
  redriveQueue(name: string): Promise<number>;
  queueStats(name: string): Promise<QueueStats>;

  send(queue: string, message: SendInput): Promise<string>;
  sendBatch(queue: string, messages: SendInput[]): Promise<string[]>;
  /** Sends over the WebSocket (pipelined, no HTTP round trip per message); embedded: same as send. */
  sendWs(queue: string, message: SendInput): Promise<string>;
  sendBatchWs(queue: string, messages: SendInput[]): Promise<string[]>;
  receive(queue: string, options?: ReceiveOptions): Promise<Message[]>;
  deleteMessages(queue: string, receiptHandles: string[]): Promise<DeleteBatchResult>;
  changeVisibility(queue: string, receiptHandle: string, visibilityTimeout: number, options?: { body?: string }): Promise<{ nextVisibleTime: number }>;
  cancelMessage(queue: string, msgId: string): Promise<CancelOutcome>;
  release(queue: string, receiptHandle: string, delaySeconds?: number): Promise<void>;
  complete(queue: string, receiptHandle: string, reply: ReplyInput): Promise<string>;

  subscribe(queue: string, options: SubscribeOptions, handler: MessageHandler): Promise<Subscription>;

  /** Waits for every subscription to drain, then closes. */
  drain(): Promise<void>;
  close(): Promise<void>;
}
