/**
 * Lookahead (worker/lookahead.ts), seen from the broker's queue stats: while handlers are short a worker at
 * concurrency 1 holds a second task besides the one it runs; once they grow long it gives the held
 * task back, so another worker can run it.
 */
import { describe, expect, it } from 'vitest';
import { SpoolClient } from '../../core/client/index.js';
import { startWorker } from '../../worker/index.js';
import { startTestServer } from '../helpers/server.js';
import { REPLIES, TASKS, collectReplies, eventually, postTask } from './tasks.js';

describe('worker lookahead', () => {
  it('holds a task for the next free slot while handlers are short, and gives it back once they are long', async () => {
    const { url } = await startTestServer();
    const client = new SpoolClient({ url });
    await client.createQueue(TASKS);
    await client.createQueue(REPLIES);
    const blocked: (() => void)[] = [];
    const worker = await startWorker({
      url,
      queue: TASKS,
      concurrency: 1,
      shutdownTimeoutMs: 1000,
      handlers: {
        quick: () => 'quick',
        blocking: () => new Promise<string>((resolve) => blocked.push(() => resolve('blocking'))),
      },
    });
    const leased = async () => (await client.getQueue(TASKS)).stats.inactiveMsgNum;
    try {
      for (let i = 0; i < 10; i++) await postTask(client, 'quick', i);
      await collectReplies(client, 10);

      // Handlers have been short: besides the task it runs, the worker holds the next one.
      for (let i = 0; i < 4; i++) await postTask(client, 'blocking', i);
      await eventually(() => blocked.length === 1, 3000, 'the first blocking task to start');
      await eventually(async () => (await leased()) === 2, 3000, 'a second task held');
      expect(worker.running).toBe(1);

      // A long handler (over 50 ms on average) turns the lookahead off: the held task goes back.
      await new Promise((resolve) => setTimeout(resolve, 400));
      blocked.shift()!();
      await eventually(() => blocked.length === 1, 3000, 'the second blocking task to start');
      await eventually(async () => (await leased()) === 1, 3000, 'only the running task leased');
      expect((await client.getQueue(TASKS)).stats.activeMsgNum).toBe(2);
      while (blocked.length > 0 || (await client.getQueue(TASKS)).stats.activeMsgNum > 0) {
        blocked.shift()?.();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect((await collectReplies(client, 4)).map((r) => r.type)).toEqual(['result', 'result', 'result', 'result']);
    } finally {
      for (const unblock of blocked) unblock();
      await worker.close();
      await client.close();
    }
  });
});
