/** Every example runs with its documented command and prints what it promises. */
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SpoolClient } from '../../core/index.js';
import { startMaster } from '../../master/index.js';
import { spawnCli, waitForLine } from '../helpers/cli.js';
import { startTestServer } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** `npm run example -- examples/<file>`, as the examples say. */
async function example(file: string): Promise<string> {
  const { stdout } = await run('npm', ['run', 'example', '--silent', '--', `examples/${file}`], { cwd: ROOT, timeout: 60_000 });
  return stdout;
}

describe('examples', () => {
  it('quickstart: a master, a worker and a broker in one program', async () => {
    expect(await example('quickstart.ts')).toContain('2 + 3 = 5');
  });

  it('fire-and-forget: enqueued tasks run, and no reply is written', async () => {
    expect(await example('fire-and-forget.ts')).toContain('ran 100 of 100 tasks nobody awaited; replies written: 0');
  });

  it('pipeline: fan-out to two workers, results gathered in order, then streamed', async () => {
    const out = await example('pipeline.ts');
    expect(out).toMatch(/gathered 200 results in input order; first word-0/);
    expect(out).toMatch(/streamed 3 results in completion order/);
  });

  it('api-keys: a master and a worker with keys of their own; the worker key cannot post', async () => {
    const out = await example('api-keys.ts');
    expect(out).toContain('resized: {"width":320}');
    expect(out).toContain('worker key posting a task: FORBIDDEN - API key resize-worker: no send permission on queue images');
  });

  it('sqs: an unmodified SQS client sends, receives and deletes', async () => {
    expect(await example('sqs.ts')).toContain('received: order 1 priority 2');
  });

  it('durable-master: a restarted master with the same name collects every result', async () => {
    expect(await example('durable-master.ts')).toContain('collected after restart: report for mon, report for tue, report for wed');
  });

  it('worker-module: the worker CLI runs its handlers against a broker', async () => {
    const { url } = await startTestServer();
    const client = new SpoolClient({ url });
    await client.createQueue('images');
    const worker = spawnCli(['worker', 'examples/worker-module.mjs', '--url', url, '--queue', 'images', '--concurrency', '2']);
    try {
      const master = await startMaster({ client, queue: 'images', name: 'example-test' });
      const result = await master.run('thumbnail', { width: 10, height: 20 });
      expect(result).toEqual({ width: 10, height: 20, bytes: 600 });
      await waitForLine(worker, /^done thumbnail /);
      await master.close();
    } finally {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
      await client.close();
    }
  });
});
