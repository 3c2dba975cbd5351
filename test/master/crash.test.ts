/**
 * A master killed with SIGKILL mid-batch, restarted with the same name, gets every result: the
 * replies wait on its durable reply queue, and the new incarnation holds them as orphans for
 * result(taskId). Real broker, the old master in a child process, killed for real.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { SpoolClient } from '../../core/client/index.js';
import { replyQueueName, startMaster } from '../../master/index.js';
import { waitForLine } from '../helpers/cli.js';
import { startTestServer } from '../helpers/server.js';
import { eventually, startTestWorker, type TestWorker } from './test-worker.js';

const CHILD = fileURLToPath(new URL('./master-child.ts', import.meta.url));
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

it('a master killed mid-batch and restarted with the same name gets every result', { timeout: 60_000 }, async () => {
  const server = await startTestServer();
  const client = new SpoolClient({ url: server.url });
  cleanups.push(() => client.close());
  await client.createQueue('jobs');
  // A worker whose handlers wait for a gate: at the kill, some tasks are running and none has finished.
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const worker: TestWorker = await startTestWorker(client, 'jobs', { double: async (n: number) => (await gate, n * 2) }, { prefetch: 4 });
  cleanups.push(() => worker.close());

  const COUNT = 30;
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, server.url, 'jobs', 'phoenix', String(COUNT)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  await waitForLine(child, /^all-posted$/, 30_000).catch((err: Error) => {
    throw new Error(`${err.message}\nstderr: ${stderr}`);
  });
  await eventually(() => worker.inFlight === 4, 'four tasks running');
  child.kill('SIGKILL');
  await once(child, 'exit');

  const posted = [...stdout.matchAll(/^posted (\S+) (\d+)$/gm)].map((m) => ({ taskId: m[1]!, n: Number(m[2]) }));
  expect(posted).toHaveLength(COUNT);
  expect(stdout).not.toMatch(/^result /m);

  // The batch finishes with no master: half the replies wait on the queue before the restart.
  open();
  await eventually(async () => (await client.queueStats(replyQueueName('phoenix'))).activeMsgNum >= COUNT / 2, 'replies piling up');

  const master = await startMaster({ url: server.url, queue: 'jobs', name: 'phoenix' });
  cleanups.push(() => master.close());
  const results = await Promise.all(posted.map((p) => master.result<number>(p.taskId, { timeoutMs: 20_000 })));
  expect(results).toEqual(posted.map((p) => p.n * 2));
  await eventually(async () => {
    const s = await client.queueStats(replyQueueName('phoenix'));
    return s.activeMsgNum + s.inactiveMsgNum === 0;
  }, 'every reply acked');
  expect(master.orphans).toBe(0);
});
