/**
 * Lookahead (worker/lookahead.ts), seen from the broker's queue stats: while handlers are short a worker at
 * concurrency 1 holds the next tasks besides the one it runs; once they grow long it gives the held
 * tasks back, so another worker can run them; what counts is the handler's own time, not the work
 * around it. And the sizing rule on its own.
 */
import { describe, expect, it } from 'vitest';
import { SpoolClient } from '../../core/client/index.js';
import { Lookahead } from '../../worker/lookahead.js';
import { startWorker, type TaskHandlers } from '../../worker/index.js';
import { startTestServer } from '../helpers/server.js';
import { REPLIES, TASKS, collectReplies, eventually, postTask } from './tasks.js';

/** A worker at concurrency 1 with a `quick` handler, a `blocking` one that waits to be let go, and `more`. */
async function startQuickOrBlockingWorker(url: string, more: TaskHandlers = {}) {
  const blocked: (() => void)[] = [];
  const worker = await startWorker({
    url,
    queue: TASKS,
    concurrency: 1,
    shutdownTimeoutMs: 1000,
    handlers: {
      quick: () => 'quick',
      blocking: () => new Promise<string>((resolve) => blocked.push(() => resolve('blocking'))),
      ...more,
    },
  });
  return { worker, blocked };
}

/** A test broker with the task and reply queues, and a client on it. */
async function brokerWithQueues() {
  const { url } = await startTestServer();
  const client = new SpoolClient({ url });
  await client.createQueue(TASKS);
  await client.createQueue(REPLIES);
  return { url, client };
}

/** Tasks leased (running or held by the worker). */
const leased = async (client: SpoolClient) => (await client.getQueue(TASKS)).stats.inactiveMsgNum;

/** The first blocking task starts, and the worker holds `held` more behind it. */
async function blockedWithHeld(client: SpoolClient, blocked: unknown[], held: number): Promise<void> {
  await eventually(() => blocked.length === 1, 3000, 'the first blocking task to start');
  await eventually(async () => (await leased(client)) === held + 1, 3000, `${held} more held`);
}

async function stop(client: SpoolClient, worker: { close(): Promise<void> }, blocked: (() => void)[]): Promise<void> {
  for (const unblock of blocked) unblock();
  await worker.close();
  await client.close();
}

describe('worker lookahead', () => {
  it('holds a task for the next free slot while handlers are short, and gives it back once they are long', async () => {
    const { url, client } = await brokerWithQueues();
    const { worker, blocked } = await startQuickOrBlockingWorker(url);
    try {
      for (let i = 0; i < 10; i++) await postTask(client, 'quick', i);
      await collectReplies(client, 10);

      // Handlers have been short: besides the task it runs, the worker holds the next ones.
      for (let i = 0; i < 4; i++) await postTask(client, 'blocking', i);
      await blockedWithHeld(client, blocked, 3);
      expect(worker.running).toBe(1);

      // A long handler (over 50 ms on average) turns the lookahead off: the next task starts, the
      // other held ones go back.
      await new Promise((resolve) => setTimeout(resolve, 400));
      blocked.shift()!();
      await eventually(() => blocked.length === 1, 3000, 'the second blocking task to start');
      await eventually(async () => (await leased(client)) === 1, 3000, 'only the running task leased');
      expect((await client.getQueue(TASKS)).stats.activeMsgNum).toBe(2);
      while (blocked.length > 0 || (await client.getQueue(TASKS)).stats.activeMsgNum > 0) {
        blocked.shift()?.();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // The tasks given back were never started: each ran once, as its first attempt.
      expect((await collectReplies(client, 4)).map((r) => [r.type, r.attempt])).toEqual(Array.from({ length: 4 }, () => ['result', 1]));
    } finally {
      await stop(client, worker, blocked);
    }
  });

  it('reaches the subscription when tasks were waiting before the worker started', async () => {
    // The first tasks arrive with the subscription's answer and run before the worker holds the
    // subscription; the lookahead they turn on must still reach the broker.
    const { url, client } = await brokerWithQueues();
    for (let i = 0; i < 20; i++) await postTask(client, 'quick', i);
    for (let i = 0; i < 3; i++) await postTask(client, 'blocking', i);
    const { worker, blocked } = await startQuickOrBlockingWorker(url);
    try {
      await blockedWithHeld(client, blocked, 2);
    } finally {
      await stop(client, worker, blocked);
    }
  });

  it('starts held tasks in a loop, not one inside another: handlers that return at once do not deepen the stack', async () => {
    const { url, client } = await brokerWithQueues();
    let deepest = 0;
    let ran = 0;
    const { worker, blocked } = await startQuickOrBlockingWorker(url, {
      depth: () => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = Infinity;
        deepest = Math.max(deepest, new Error().stack!.split('\n').length);
        Error.stackTraceLimit = limit;
        ran++;
      },
    });
    try {
      for (let i = 0; i < 5; i++) await postTask(client, 'quick', i);
      await collectReplies(client, 5);
      await postTask(client, 'blocking', 0);
      await eventually(() => blocked.length === 1, 3000, 'the blocking task to start');
      const held = 200;
      for (let i = 0; i < held; i++) await postTask(client, 'depth', i);
      await eventually(async () => (await leased(client)) === held + 1, 5000, `${held} tasks held`);
      blocked.shift()!();
      await eventually(() => ran === held, 5000, 'every held task to run');
      // One loop starts them all: each handler sees about the same stack. Nested, the 200th would
      // sit some 1,000 frames deep.
      expect(deepest).toBeLessThan(100);
    } finally {
      await stop(client, worker, blocked);
    }
  });

  it('times the handler itself: a busy event loop around a quick handler keeps the lookahead on', async () => {
    const { url, client } = await brokerWithQueues();
    const { worker, blocked } = await startQuickOrBlockingWorker(url);
    // 60 ms of other work on the worker's event loop around every task, as on a saturated machine:
    // more than the 50 ms at which the lookahead turns off, had it been counted as the handler's.
    worker.events.on('started', () => {
      const until = performance.now() + 60;
      while (performance.now() < until);
    });
    try {
      for (let i = 0; i < 5; i++) await postTask(client, 'quick', i);
      await collectReplies(client, 5);
      for (let i = 0; i < 3; i++) await postTask(client, 'blocking', i);
      await blockedWithHeld(client, blocked, 2);
    } finally {
      await stop(client, worker, blocked);
    }
  });
});

describe('lookahead sizing', () => {
  const feed = (lookahead: Lookahead, ms: number, times: number) => {
    for (let i = 0; i < times; i++) lookahead.record(ms);
    return lookahead.extra;
  };

  it('holds about 50 ms of work: many tasks for microsecond handlers, at most 1024', () => {
    expect(feed(new Lookahead(1), 0.01, 30)).toBe(1024);
    expect(feed(new Lookahead(1), 0.25, 30)).toBe(200);
    expect(feed(new Lookahead(1), 1, 30)).toBe(50);
    expect(feed(new Lookahead(8), 2, 30)).toBe(200);
  });

  it('holds one per slot for handlers near the threshold and none once they are long', () => {
    const lookahead = new Lookahead(4);
    expect(feed(lookahead, 19, 30)).toBe(11);
    expect(feed(lookahead, 45, 30)).toBe(11); // wants 4: not a large enough change to re-size
    expect(feed(lookahead, 200, 30)).toBe(0);
    expect(feed(new Lookahead(64), 10, 100)).toBe(320);
  });

  it('after one slow handler among fast ones (a GC pause) it grows back to the cap, not short of it', () => {
    const lookahead = new Lookahead(1);
    expect(feed(lookahead, 0.01, 30)).toBe(1024);
    expect(feed(lookahead, 5, 1)).toBeLessThan(100);
    // In steps of 4x it would stop at the first size over 256 that wanted more than the step allows.
    expect(feed(lookahead, 0.01, 40)).toBe(1024);
  });

  it('waits for `concurrency` samples and re-sizes only for a large change', () => {
    const lookahead = new Lookahead(4);
    expect(feed(lookahead, 1, 3)).toBe(0);
    expect(lookahead.record(1)).toBe(true);
    expect(lookahead.extra).toBe(200);
    expect(feed(lookahead, 3, 30)).toBe(200); // wants 67
    expect(feed(lookahead, 30, 60)).toBeLessThan(50); // wants 7: re-sized on the way down
  });
});
