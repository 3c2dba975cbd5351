/**
 * `spool worker` as real processes against a real broker: a worker killed with SIGKILL, one that
 * hangs (event loop blocked, or SIGSTOP), graceful SIGTERM, the outcome lines. Each task must end
 * with exactly one result on the reply queue.
 */
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SpoolClient } from '../../core/client/index.js';
import { runCli, spawnCli, waitForLine } from '../helpers/cli.js';
import { startTestServer } from '../helpers/server.js';
import { REPLIES, TASKS, collectReplies, noMoreReplies, postTask } from './tasks.js';

const HANDLERS = fileURLToPath(new URL('./fixtures/handlers.mjs', import.meta.url));
const DEFAULT_EXPORT = fileURLToPath(new URL('./fixtures/default-export.mjs', import.meta.url));
const NO_HANDLERS = fileURLToPath(new URL('./fixtures/no-handlers.mjs', import.meta.url));

const children: ChildProcess[] = [];
const clients: SpoolClient[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
  }
  for (const client of clients.splice(0)) await client.close();
});

async function broker(): Promise<{ url: string; client: SpoolClient }> {
  const server = await startTestServer();
  const client = new SpoolClient({ url: server.url });
  clients.push(client);
  await client.createQueue(TASKS);
  await client.createQueue(REPLIES);
  return { url: server.url, client };
}

/** Starts `spool worker` and waits for its ready line. */
async function worker(url: string, extra: string[] = [], module = HANDLERS): Promise<ChildProcess> {
  const child = spawnCli(['worker', module, '--url', url, '--queue', TASKS, ...extra]);
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await waitForLine(child, /^spool: worker on tasks/).catch((err: Error) => {
    throw new Error(`${err.message}; stderr: ${stderr}`);
  });
  return child;
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('spool worker (processes)', () => {
  it('runs tasks and prints one line per outcome; a default export works too', async () => {
    const { url, client } = await broker();
    const a = await worker(url, ['--concurrency', '2']);
    const failedLine = waitForLine(a, /^failed fail /);
    const id = await postTask(client, 'fail', { message: 'nope' });
    expect(await failedLine).toMatch(new RegExp(`^failed fail ${id} \\d+ms attempts-exhausted: nope$`));
    a.kill('SIGTERM');
    expect(await exited(a)).toEqual({ code: 0, signal: null });

    const b = await worker(url, [], DEFAULT_EXPORT);
    const doneLine = waitForLine(b, /^done double /);
    const id2 = await postTask(client, 'double', 21);
    expect(await doneLine).toMatch(new RegExp(`^done double ${id2} \\d+ms$`));
    const replies = await collectReplies(client, 2);
    expect(replies.find((r) => r.taskId === id2)).toMatchObject({ type: 'result', result: 42 });
  });

  it('fails at once, with one line, on a module without handlers, a missing queue or an unreachable broker', async () => {
    const { url } = await broker();
    const noHandlers = await runCli(['worker', NO_HANDLERS, '--url', url, '--queue', TASKS]);
    expect(noHandlers.code).toBe(1);
    expect(noHandlers.stderr).toMatch(/no-handlers\.mjs exports no handlers/);
    const noQueue = await runCli(['worker', HANDLERS, '--url', url, '--queue', 'nope']);
    expect(noQueue.code).toBe(1);
    expect(noQueue.stderr).toMatch(/^spool: QUEUE_NOT_FOUND/);
    const unreachable = await runCli(['worker', HANDLERS, '--url', 'http://127.0.0.1:9', '--queue', TASKS]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^spool: /);
  });

  it('a worker killed with SIGKILL mid-task: another worker gets the task at once and completes it, one result', async () => {
    const { url, client } = await broker();
    const a = await worker(url, ['--lease-ms', '30000']);
    const running = waitForLine(a, /^running slow /);
    const id = await postTask(client, 'slow', { firstMs: 60_000 }, { maxAttempts: 3 });
    await running;
    const b = await worker(url, ['--lease-ms', '30000']);
    const done = waitForLine(b, new RegExp(`^done slow ${id} `), 5000);
    const t0 = Date.now();
    a.kill('SIGKILL');
    await done;
    // At once (the socket closed), not after the 30 s lease.
    expect(Date.now() - t0).toBeLessThan(5000);
    const replies = await collectReplies(client, 1);
    expect(replies).toMatchObject([{ type: 'result', taskId: id, result: { pid: b.pid } }]);
    expect(replies[0]!.attempt).toBeGreaterThanOrEqual(2);
    expect(await noMoreReplies(client, 300)).toEqual([]);
  });

  it('a worker whose event loop hangs: its task is reassigned after leaseMs, and its late completion is fenced off', async () => {
    const { url, client } = await broker();
    const a = await worker(url, ['--lease-ms', '2000']);
    const running = waitForLine(a, /^running block /);
    const lost = waitForLine(a, /^lost block /, 20_000);
    const id = await postTask(client, 'block', { ms: 6000 }, { maxAttempts: 3 });
    await running;
    const t0 = Date.now();
    const b = await worker(url, ['--lease-ms', '2000']);
    await waitForLine(b, new RegExp(`^done block ${id} `), 10_000);
    // Not before the lease ran out (2 s from the lease, give or take the sweep).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    const replies = await collectReplies(client, 1);
    expect(replies).toMatchObject([{ type: 'result', taskId: id, result: { pid: b.pid } }]);
    // The hung worker wakes, finishes, and its completion is refused (the lease token fences it).
    expect(await lost).toMatch(new RegExp(`^lost block ${id} `));
    expect(await noMoreReplies(client, 300)).toEqual([]);
  });

  it('a stopped worker (SIGSTOP): its task is reassigned after leaseMs', async () => {
    const { url, client } = await broker();
    const a = await worker(url, ['--lease-ms', '2000']);
    const running = waitForLine(a, /^running slow /);
    const id = await postTask(client, 'slow', { firstMs: 60_000 }, { maxAttempts: 3 });
    await running;
    const b = await worker(url, ['--lease-ms', '2000']);
    const done = waitForLine(b, new RegExp(`^done slow ${id} `), 10_000);
    const t0 = Date.now();
    a.kill('SIGSTOP');
    await done;
    expect(Date.now() - t0).toBeGreaterThanOrEqual(500);
    const replies = await collectReplies(client, 1);
    expect(replies).toMatchObject([{ type: 'result', taskId: id, result: { pid: b.pid } }]);
    a.kill('SIGCONT');
    // Woken, A's next heartbeat finds the lease gone; its handler is aborted and nothing more is sent.
    await waitForLine(a, new RegExp(`^lost slow ${id} `), 10_000);
    expect(await noMoreReplies(client, 300)).toEqual([]);
    a.kill('SIGTERM');
    expect(await exited(a)).toEqual({ code: 0, signal: null });
  });

  it('SIGTERM lets the running task finish, then exits 0', async () => {
    const { url, client } = await broker();
    const a = await worker(url);
    const running = waitForLine(a, /^running slow /);
    const id = await postTask(client, 'slow', { firstMs: 800 });
    await running;
    const done = waitForLine(a, new RegExp(`^done slow ${id} `));
    a.kill('SIGTERM');
    await done;
    expect(await exited(a)).toEqual({ code: 0, signal: null });
    expect(await collectReplies(client, 1)).toMatchObject([{ type: 'result', taskId: id, attempt: 1 }]);
  });
});
