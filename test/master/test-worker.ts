/**
 * A minimal worker for the master's tests, written on the client directly (docs/tasks.md), so the
 * master is tested against the wire contract and not against worker/. It counts the tasks it has in
 * hand, so a test can assert the most it ever saw at once.
 */
import type { Delivery, SpoolClient, Subscription } from '../../core/client/index.js';
import { decodeEnvelope, encodeReply, toTaskError, type TaskReply } from '../../core/tasks/envelope.js';

export interface TestTaskContext {
  taskId: string;
  attempt: number;
  /** Fires when the broker cancels the task. */
  signal: AbortSignal;
  /** Sends a progress reply at once. */
  progress(value: unknown): Promise<void>;
  /** Gives the task back without a reply (a nack). */
  release(): Promise<void>;
}

/** Return NO_REPLY from a handler that settled the delivery itself (release). */
export const NO_REPLY = Symbol('no reply');

export type TestHandler = (payload: any, ctx: TestTaskContext) => unknown; // eslint-disable-line @typescript-eslint/no-explicit-any

export interface TestWorker {
  readonly inFlight: number;
  readonly maxInFlight: number;
  /** Task ids in the order their handlers started. */
  readonly started: string[];
  close(): Promise<void>;
}

export async function startTestWorker(client: SpoolClient, queue: string, handlers: Record<string, TestHandler>, { prefetch = 50 } = {}): Promise<TestWorker> {
  let inFlight = 0;
  let maxInFlight = 0;
  const started: string[] = [];
  const handle = async (d: Delivery): Promise<void> => {
    const envelope = decodeEnvelope(d.body);
    const taskId = d.correlationId!;
    const attempt = d.dequeueCount;
    const replyTo = d.replyTo!;
    const reply = (r: TaskReply) => d.complete({ queue: replyTo, correlationId: taskId, body: encodeReply(r) });
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    started.push(taskId);
    let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
    try {
      const handler = handlers[envelope.name];
      if (!handler) throw new Error(`no handler for ${envelope.name}`);
      const ctx: TestTaskContext = {
        taskId,
        attempt,
        signal: d.signal,
        progress: async (value) => {
          await client.send(replyTo, { correlationId: taskId, body: encodeReply({ v: 1, type: 'progress', taskId, attempt, value }) });
        },
        release: () => d.release(),
      };
      outcome = { ok: true, value: await handler(envelope.payload, ctx) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    // Out of hand before the reply goes: the master may post the next task as soon as it has it.
    inFlight--;
    if (outcome.ok && outcome.value === NO_REPLY) return;
    if (d.signal.aborted) await reply({ v: 1, type: 'cancelled', taskId, attempt });
    else if (outcome.ok) await reply({ v: 1, type: 'result', taskId, attempt, result: outcome.value ?? null });
    else await reply({ v: 1, type: 'failure', taskId, attempt, error: toTaskError(outcome.error) });
  };
  const subscription: Subscription = await client.subscribe(queue, { prefetch }, handle);
  return {
    get inFlight() {
      return inFlight;
    },
    get maxInFlight() {
      return maxInFlight;
    },
    started,
    close: () => subscription.close(),
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves when `signal` fires. */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

export async function eventually(cond: () => boolean | Promise<boolean>, what = 'the condition', timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!(await cond())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
