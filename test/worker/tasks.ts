/** Test helpers for the worker: post task envelopes and collect replies with the plain client. */
import { randomUUID } from 'node:crypto';
import type { SpoolClient } from '../../core/client/index.js';
import { decodeReply, encodeEnvelope, type BackoffSpec, type TaskReply } from '../../core/tasks/envelope.js';
import { sleep } from '../helpers/ws-broker.js';

export { sleep, eventually } from '../helpers/ws-broker.js';

export const TASKS = 'tasks';
export const REPLIES = 'replies';

export interface PostOptions {
  maxAttempts?: number;
  backoff?: BackoffSpec;
  timeoutMs?: number | null;
  replyTo?: string | null;
  taskId?: string;
}

/** Posts a task as a master would (docs/tasks.md); resolves with its task id. */
export async function postTask(client: SpoolClient, name: string, payload: unknown, options: PostOptions = {}): Promise<string> {
  return (await postTaskIds(client, name, payload, options)).taskId;
}

/** postTask, also giving the message's msgId (for cancelMessage). */
export async function postTaskIds(client: SpoolClient, name: string, payload: unknown, options: PostOptions = {}): Promise<{ taskId: string; msgId: string }> {
  const taskId = options.taskId ?? randomUUID();
  const replyTo = options.replyTo === undefined ? REPLIES : options.replyTo;
  const msgId = await client.send(TASKS, {
    body: encodeEnvelope({
      v: 1,
      name,
      payload,
      maxAttempts: options.maxAttempts ?? 1,
      backoff: options.backoff ?? { type: 'fixed', delayMs: 0 },
      timeoutMs: options.timeoutMs ?? null,
      checkpoint: null,
    }),
    correlationId: taskId,
    ...(replyTo === null ? {} : { replyTo }),
    attributes: { 'spool.task': name },
  });
  return { taskId, msgId };
}

/** Reads (and deletes) replies until `count` arrived or `timeoutMs` passed; returns what came. */
export async function collectReplies(client: SpoolClient, count: number, { timeoutMs = 10_000, queue = REPLIES, types }: { timeoutMs?: number; queue?: string; types?: TaskReply['type'][] } = {}): Promise<TaskReply[]> {
  const replies: TaskReply[] = [];
  const deadline = Date.now() + timeoutMs;
  while (replies.length < count && Date.now() < deadline) {
    const messages = await client.receive(queue, { max: 16, waitSeconds: 1 });
    if (messages.length === 0) continue;
    await client.deleteMessages(queue, messages.map((m) => m.receiptHandle));
    for (const m of messages) {
      const reply = decodeReply(m.body, m.correlationId);
      if (reply && (!types || types.includes(reply.type))) replies.push(reply);
    }
  }
  return replies;
}

/** Waits `ms` and then asserts the queue has no further replies. */
export async function noMoreReplies(client: SpoolClient, ms: number, queue = REPLIES): Promise<TaskReply[]> {
  await sleep(ms);
  const messages = await client.receive(queue, { max: 16, waitSeconds: 0 });
  return messages.map((m) => decodeReply(m.body, m.correlationId)).filter((r): r is TaskReply => r !== null);
}

/** Resolves when `signal` aborts. */
export function aborted(signal: AbortSignal): Promise<unknown> {
  return new Promise((resolve) => (signal.aborted ? resolve(signal.reason) : signal.addEventListener('abort', () => resolve(signal.reason), { once: true })));
}
