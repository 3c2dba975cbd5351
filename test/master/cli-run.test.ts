/** `spool run` as a subprocess against a real broker, with a test worker in this process. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SpoolClient } from '../../core/client/index.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine.js';
import { startTestServer } from '../helpers/server.js';
import { aborted, eventually, sleep, startTestWorker, type TestWorker } from './test-worker.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{ url: string; client: SpoolClient; worker: TestWorker; dir: string }> {
  const server = await startTestServer();
  const client = new SpoolClient({ url: server.url });
  cleanups.push(() => client.close());
  await client.createQueue('jobs');
  const worker = await startTestWorker(
    client,
    'jobs',
    {
      square: async (p: { n: number }) => {
        await sleep((p.n * 13) % 17);
        if (p.n < 0) throw new RangeError(`negative: ${p.n}`);
        return p.n * p.n;
      },
      forever: async (_p, ctx) => {
        await aborted(ctx.signal);
        throw new Error('stopped');
      },
    },
    { prefetch: 100 },
  );
  cleanups.push(() => worker.close());
  return { url: server.url, client, worker, dir: tempDir('spool-run-') };
}

it('runs a task per input line and writes one result line per input, in input order', { timeout: 60_000 }, async () => {
  const { url, client, worker, dir } = await setup();
  const input = join(dir, 'tasks.jsonl');
  const output = join(dir, 'results.jsonl');
  const ns = Array.from({ length: 25 }, (_, i) => i);
  writeFileSync(input, ns.map((n) => JSON.stringify({ n })).join('\n') + '\n\n');
  const res = await runCli(['run', '--url', url, '--queue', 'jobs', '--task', 'square', '--input', input, '--output', output, '--concurrency', '3', '--progress-ms', '100']);
  expect(res.stderr).toMatch(/progress: 25\/25 done, 0 failed, [\d.]+\/s, ETA 0s/);
  expect(res.stderr).toContain('25 succeeded, 0 failed');
  expect(res.code, res.stderr).toBe(0);
  const lines = readFileSync(output, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
  expect(lines).toEqual(ns.map((n) => ({ index: n, ok: true, result: n * n })));
  expect(worker.maxInFlight).toBeLessThanOrEqual(3);
  // No --name: the run's own reply queue is gone afterwards.
  const left = await client.listQueues({ prefix: 'spool-replies-' });
  expect(left.total).toBe(0);
});

it('reports failed tasks in their lines and exits 1; --name keeps the reply queue', { timeout: 60_000 }, async () => {
  const { url, client, dir } = await setup();
  const input = join(dir, 'tasks.jsonl');
  const output = join(dir, 'results.jsonl');
  writeFileSync(input, ['{"n":2}', '{"n":-1}', '{"n":3}'].join('\n'));
  const res = await runCli(['run', '--url', url, '--queue', 'jobs', '--task', 'square', '--input', input, '--output', output, '--name', 'batch1', '--max-attempts', '1']);
  expect(res.code, res.stderr).toBe(1);
  expect(res.stderr).toContain('2 succeeded, 1 failed');
  const lines = readFileSync(output, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as unknown);
  expect(lines).toEqual([
    { index: 0, ok: true, result: 4 },
    { index: 1, ok: false, error: { name: 'RangeError', message: 'negative: -1' } },
    { index: 2, ok: true, result: 9 },
  ]);
  await client.getQueue('spool-replies-batch1');
});

it('refuses an input line that is not JSON before posting anything (exit 2)', async () => {
  const { url, client, dir } = await setup();
  const input = join(dir, 'tasks.jsonl');
  writeFileSync(input, '{"n":1}\n{oops\n');
  const res = await runCli(['run', '--url', url, '--queue', 'jobs', '--task', 'square', '--input', input, '--output', join(dir, 'out.jsonl')]);
  expect(res.code).toBe(2);
  expect(res.stderr).toMatch(/tasks\.jsonl:2: not JSON/);
  expect((await client.queueStats('jobs')).activeMsgNum).toBe(0);
});

it('SIGINT cancels the tasks in flight, deletes the run\'s reply queue and exits 130, writing nothing', { timeout: 60_000 }, async () => {
  const { url, client, worker, dir } = await setup();
  const input = join(dir, 'tasks.jsonl');
  const output = join(dir, 'results.jsonl');
  writeFileSync(input, Array.from({ length: 20 }, (_, n) => JSON.stringify({ n })).join('\n'));
  const child = spawnCli(['run', '--url', url, '--queue', 'jobs', '--task', 'forever', '--input', input, '--output', output, '--concurrency', '3']);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  await eventually(() => worker.started.length === 3, 'three tasks to start');
  child.kill('SIGINT');
  expect(await exited).toBe(130);
  expect(stderr).toMatch(/SIGINT, cancelling the tasks in flight/);
  expect(stderr).toMatch(/interrupted: the tasks in flight were cancelled; no results written/);
  expect(readFileSync(output, 'utf8')).toBe('');
  expect((await client.listQueues({ prefix: 'spool-replies-run-' })).queues).toEqual([]);
  await eventually(async () => {
    const stats = await client.queueStats('jobs');
    return stats.activeMsgNum + stats.inactiveMsgNum + stats.delayMsgNum === 0;
  }, 'the cancelled tasks to end');
  expect(worker.started).toHaveLength(3);
});

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

// script(1) gives the CLI a pseudo-terminal, so stderr is a TTY and the progress bar is drawn.
it.skipIf(!existsSync('/usr/bin/script'))('draws a progress bar (done, failed, rate, ETA) when stderr is a terminal', { timeout: 60_000 }, async () => {
  const { url, dir } = await setup();
  const input = join(dir, 'tasks.jsonl');
  const output = join(dir, 'results.jsonl');
  writeFileSync(input, [1, 2, -3, 4].map((n) => JSON.stringify({ n })).join('\n'));
  const command = [process.execPath, '--import', 'tsx', 'cli/main.ts', 'run', '--url', url, '--queue', 'jobs', '--task', 'square', '--input', input, '--output', output, '--max-attempts', '1'].join(' ');
  const { stdout } = await promisify(execFile)('/usr/bin/script', ['-qec', command, '/dev/null'], { cwd: ROOT }).catch((err: { stdout: string; code: number }) => {
    expect(err.code).toBe(1);
    return err;
  });
  expect(stdout).toMatch(/tasks \[[^\]]*\] 4\/4 \| failed 1 \| [\d.]+\/s \| ETA 0s/);
  expect(stdout).not.toContain('progress:');
  expect(readFileSync(output, 'utf8').trimEnd().split('\n')).toHaveLength(4);
});
