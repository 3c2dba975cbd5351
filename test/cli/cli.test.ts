import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpoolClient } from '../../core/index.js';
import { runCli, spawnCli, waitForLine } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine.js';
import { until } from '../helpers/expect.js';
import { freePort } from '../helpers/free-port.js';
import { startTestServer } from '../helpers/server.js';

describe('spool CLI against a real broker', () => {
  it('creates, lists, shows and deletes queues, with tables and --json', async () => {
    const { url } = await startTestServer();
    const created = await runCli(['queue', 'create', 'jobs', '--url', url, '--visibility-timeout', '12']);
    expect(created).toMatchObject({ code: 0, stdout: 'created: jobs\n' });
    expect((await runCli(['queue', 'create', 'jobs', '--url', url, '--visibility-timeout', '12'])).stdout).toContain('exists');

    const list = await runCli(['queue', 'list', '--url', url]);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/queue\s+ready\s+leased/);
    expect(list.stdout).toMatch(/jobs\s+0\s+0/);

    const get = await runCli(['queue', 'get', 'jobs', '--json', '--url', url]);
    expect(JSON.parse(get.stdout)).toMatchObject({ name: 'jobs', attributes: { visibilityTimeout: 12 }, stats: { activeMsgNum: 0 } });

    const set = await runCli(['queue', 'set', 'jobs', '--delay-seconds', '5', '--json', '--url', url]);
    expect(JSON.parse(set.stdout)).toMatchObject({ attributes: { delaySeconds: 5, visibilityTimeout: 12 } });

    expect((await runCli(['queue', 'delete', 'jobs', '--url', url])).code).toBe(0);
    const gone = await runCli(['queue', 'get', 'jobs', '--url', url]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toBe('spool: QUEUE_NOT_FOUND: queue "jobs" does not exist\n');
  });

  it('sends from an argument and from stdin lines, then receives JSON lines and acks them', async () => {
    const { url } = await startTestServer();
    await runCli(['queue', 'create', 'work', '--url', url]);
    const one = await runCli(['send', 'work', 'first', '--priority', '5', '--attr', 'kind=test', '--url', url]);
    expect(one.stdout).toMatch(/^\d+\n$/);
    const many = await runCli(['send', 'work', '--url', url], { stdin: 'a\nb\n\nc\n' });
    expect(many.stdout.trim().split('\n')).toHaveLength(3);

    const received = await runCli(['receive', 'work', '--max', '16', '--ack', '--url', url]);
    expect(received.code).toBe(0);
    const messages = received.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(messages.map((m) => m.body)).toEqual(['first', 'a', 'b', 'c']);
    expect(messages[0]).toMatchObject({ attributes: { kind: 'test' }, dequeueCount: 1 });

    const stats = await runCli(['queue', 'stats', 'work', '--json', '--url', url]);
    expect(JSON.parse(stats.stdout)).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
  });

  it('gives one clear line and a non-zero exit for bad flags and values', async () => {
    const unknown = await runCli(['queue', 'list', '--frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^spool: Unknown argument: frobnicate\n$/);
    const badNumber = await runCli(['receive', 'q', '--max', 'many']);
    expect(badNumber.code).toBe(2);
    expect(badNumber.stderr).toBe('spool: --max must be a whole number, got "many"\n');
    const badPort = await runCli(['serve', '--port', 'abc']);
    expect(badPort.code).toBe(2);
    expect(badPort.stderr).toBe('spool: --port must be a whole number from 0 to 65535, got "abc"\n');
    const noCommand = await runCli([]);
    expect(noCommand.code).toBe(2);
    expect((await runCli(['--help'])).stdout).toMatch(/spool <command>/);
  });

  it('offers --url only to the commands that talk to a broker', async () => {
    expect((await runCli(['serve', '--help'])).stdout).not.toContain('--url');
    const serveUrl = await runCli(['serve', '--url', 'http://127.0.0.1:1']);
    expect(serveUrl).toMatchObject({ code: 2, stderr: 'spool: Unknown argument: url\n' });
    for (const command of [['queue', 'list'], ['send', 'q'], ['receive', 'q'], ['run'], ['worker', 'm.mjs']]) {
      expect((await runCli([...command, '--help'])).stdout).toContain('--url');
    }
  });

  it('queue create defaults the receive count; queue set changes only the parts of the dead-letter policy it is given', async () => {
    const { url } = await startTestServer();
    for (const name of ['dlq', 'dlq2']) await runCli(['queue', 'create', name, '--url', url]);
    const policy = async (args: string[]) => {
      const result = await runCli([...args, '--json', '--url', url]);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      const out = JSON.parse(result.stdout);
      return (out.queue ?? out).attributes.deadLetterPolicy;
    };
    expect(await policy(['queue', 'create', 'jobs', '--dead-letter-queue', 'dlq'])).toEqual({ deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 10 });
    expect(await policy(['queue', 'set', 'jobs', '--max-receive-count', '5'])).toEqual({ deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 5 });
    expect(await policy(['queue', 'set', 'jobs', '--dead-letter-queue', 'dlq2'])).toEqual({ deadLetterQueue: 'dlq2', policy: 0, maxReceiveCount: 5 });
    expect(await policy(['queue', 'set', 'jobs', '--max-time-to-live', '600'])).toEqual({ deadLetterQueue: 'dlq2', policy: 1, maxTimeToLive: 600 });
    expect(await policy(['queue', 'set', 'jobs', '--dead-letter-queue', 'dlq'])).toEqual({ deadLetterQueue: 'dlq', policy: 1, maxTimeToLive: 600 });

    const both = await runCli(['queue', 'set', 'jobs', '--max-receive-count', '3', '--max-time-to-live', '600', '--url', url]);
    expect(both).toMatchObject({ code: 2, stderr: 'spool: give --max-receive-count or --max-time-to-live, not both: a dead-letter policy uses one of them\n' });
    const removeAndSet = await runCli(['queue', 'set', 'jobs', '--no-dead-letter', '--dead-letter-queue', 'dlq', '--url', url]);
    expect(removeAndSet.code).toBe(2);

    expect(await policy(['queue', 'set', 'jobs', '--no-dead-letter'])).toBeNull();
    const noPolicy = await runCli(['queue', 'set', 'jobs', '--max-receive-count', '3', '--url', url]);
    expect(noPolicy).toMatchObject({ code: 2, stderr: 'spool: --max-receive-count and --max-time-to-live need --dead-letter-queue (jobs has no dead-letter policy yet)\n' });
    expect(await policy(['queue', 'set', 'jobs', '--dead-letter-queue', 'dlq'])).toEqual({ deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 10 });
    const createNoQueue = await runCli(['queue', 'create', 'other', '--max-receive-count', '3', '--url', url]);
    expect(createNoQueue).toMatchObject({ code: 2, stderr: 'spool: --max-receive-count and --max-time-to-live need --dead-letter-queue\n' });

    expect((await runCli(['queue', 'set', '--help'])).stdout).toContain('--no-dead-letter');
    expect((await runCli(['queue', 'create', '--help'])).stdout).toMatch(/--max-receive-count .*\[default with\s+--dead-letter-queue: 10\]/s);
  });

  it('queue rewind takes --since -15m, --since=-15m and an ISO time', async () => {
    const { url } = await startTestServer();
    await runCli(['queue', 'create', 'jobs', '--rewind-seconds', '3600', '--url', url]);
    await runCli(['send', 'jobs', 'once', '--url', url]);
    const halfAnHourAgo = new Date(Date.now() - 1_800_000).toISOString();
    for (const since of [['--since', '-15m'], ['--since=-15m'], ['--since', halfAnHourAgo]]) {
      const acked = await runCli(['receive', 'jobs', '--ack', '--url', url]);
      expect(JSON.parse(acked.stdout).body).toBe('once');
      const rewound = await runCli(['queue', 'rewind', 'jobs', ...since, '--url', url]);
      expect(rewound).toMatchObject({ code: 0, stdout: 'rewound 1 messages in jobs\n', stderr: '' });
    }
    const noValue = await runCli(['queue', 'rewind', 'jobs', '--since', '--url', url]);
    expect(noValue.code).toBe(2);
  });

  it('run reads - and writes -, and checks its flags and files before posting a task', async () => {
    const { url } = await startTestServer();
    const dir = tempDir();
    const module = join(dir, 'handlers.mjs');
    writeFileSync(module, 'export const handlers = { double: (n) => n * 2 };\n');
    const input = join(dir, 'tasks.jsonl');
    writeFileSync(input, '1\n2\n');
    await runCli(['queue', 'create', 'tasks', '--url', url]);
    const worker = spawnCli(['worker', module, '--queue', 'tasks', '--url', url]);
    const exited = once(worker, 'exit');
    try {
      let workerOut = '';
      worker.stdout!.on('data', (chunk: Buffer) => (workerOut += chunk.toString()));
      await waitForLine(worker, /worker on tasks/);
      const run = (args: string[], stdin?: string) => runCli(['run', '--queue', 'tasks', '--task', 'double', ...args, '--url', url], { stdin });

      const missingDir = join(dir, 'missing', 'out.jsonl');
      expect(await run(['--input', input, '--output', missingDir])).toMatchObject({ code: 2, stderr: `spool: cannot write --output ${missingDir}: no such file or directory\n` });
      const missingInput = join(dir, 'missing.jsonl');
      expect(await run(['--input', missingInput, '--output', '-'])).toMatchObject({ code: 2, stderr: `spool: cannot read --input ${missingInput}: no such file or directory\n` });
      for (const [flag, value, range] of [
        ['--max-attempts', '0', '1 to 1000'],
        ['--timeout-ms', '-1', '1 to 604800000'],
        ['--concurrency', '0', '1 to 10000'],
      ] as const) {
        const bad = await run(['--input', input, '--output', '-', flag, value]);
        expect(bad).toMatchObject({ code: 2, stdout: '', stderr: `spool: ${flag} must be a whole number from ${range}, got ${value}\n` });
      }
      expect(workerOut).not.toContain('done ');

      const piped = await run(['--input', '-', '--output', '-'], '3\n4\n');
      expect(piped).toMatchObject({ code: 0, stdout: '{"index":0,"ok":true,"result":6}\n{"index":1,"ok":true,"result":8}\n' });
      expect(piped.stderr).not.toContain('warning');
      const output = join(dir, 'results.jsonl');
      expect((await run(['--input', input, '--output', output])).code).toBe(0);
      expect(readFileSync(output, 'utf8')).toBe('{"index":0,"ok":true,"result":2}\n{"index":1,"ok":true,"result":4}\n');
    } finally {
      worker.kill('SIGTERM');
      await exited;
    }
  });

  it('run warns when its task queue did not exist (no worker can be on it yet)', async () => {
    const { url } = await startTestServer();
    const input = join(tempDir(), 'tasks.jsonl');
    writeFileSync(input, '1\n');
    const child = spawnCli(['run', '--queue', 'tsks', '--task', 'double', '--input', input, '--output', join(tempDir(), 'results.jsonl'), '--url', url]);
    const exited = once(child, 'exit');
    try {
      const line = await waitForLine(child, /warning/, 15_000, 'stderr');
      expect(line).toBe('spool: warning: task queue tsks did not exist and was created; its tasks wait for a worker (spool worker <module> --queue tsks)');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('prints a Node error’s code once', async () => {
    const { url } = await startTestServer();
    const missing = join(tempDir(), 'body.txt');
    const sent = await runCli(['send', 'q', '--file', missing, '--url', url]);
    expect(sent).toMatchObject({ code: 1, stderr: `spool: ENOENT: no such file or directory, open '${missing}'\n` });
  });

  it('worker says on stderr when its connection to the broker drops, and when it is back', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    await runCli(['queue', 'create', 'tasks', '--url', first.url]);
    const module = join(tempDir(), 'handlers.mjs');
    writeFileSync(module, 'export const handlers = { ok: () => 1 };\n');
    const worker = spawnCli(['worker', module, '--queue', 'tasks', '--url', first.url]);
    let stderr = '';
    worker.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      await waitForLine(worker, /worker on tasks/);
      await first.close();
      await until(() => /connection to http:\S+ lost \(.*\); reconnecting/.test(stderr), 'the lost line', 15_000);
      await startTestServer({ dataDir, port: first.port });
      await until(() => stderr.includes(`reconnected to ${first.url}`), 'the reconnected line', 20_000);
      expect(stderr.match(/lost/g)).toHaveLength(1);
    } finally {
      worker.kill('SIGTERM');
      await once(worker, 'exit');
    }
  });

  it('key new makes a keys-file entry; with it the broker takes the CLI that presents $SPOOL_API_KEY, and only that', async () => {
    const made = await runCli(['key', 'new', '--id', 'ops', '--manage', '*', '--send', 'jobs']);
    expect(made.code).toBe(0);
    const entry = JSON.parse(made.stdout) as { id: string; secret: string; allow: object };
    expect(entry).toMatchObject({ id: 'ops', allow: { manage: ['*'], send: ['jobs'] } });
    expect(entry.secret.length).toBeGreaterThanOrEqual(32);
    const file = join(tempDir(), 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: [entry] }));
    const { url } = await startTestServer({ apiKeysFile: file });

    const refused = await runCli(['queue', 'create', 'jobs', '--url', url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('UNAUTHORIZED');
    const env = { SPOOL_API_KEY: entry.secret };
    expect((await runCli(['queue', 'create', 'jobs', '--url', url], { env })).code).toBe(0);
    expect((await runCli(['send', 'jobs', 'hello', '--url', url], { env })).code).toBe(0);
    const receive = await runCli(['receive', 'jobs', '--url', url], { env });
    expect(receive.code).toBe(1);
    expect(receive.stderr).toContain('no receive permission on queue jobs');

    const bad = await runCli(['key', 'new', '--id', 'x', '--send', 'jobs/1']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"jobs/1" is not a queue name');
  });

  it('serve refuses to listen beyond loopback without keys, and with keys says to put TLS in front', async () => {
    const refused = await runCli(['serve', '--host', '0.0.0.0', '--port', '0', '--data', tempDir()]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('host 0.0.0.0 is not a loopback address');
    const file = join(tempDir(), 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: [{ id: 'ops', secret: 'ops-secret-0123456789', allow: { manage: ['*'] } }] }));
    const child = spawnCli(['serve', '--host', '0.0.0.0', '--port', '0', '--data', tempDir(), '--api-keys', file, '--log-level', 'silent']);
    try {
      expect(await waitForLine(child, /API keys travel/, 15_000, 'stderr')).toContain('put TLS in front of the broker');
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });

  it('says where it looked when no broker answers', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const listed = await runCli(['queue', 'list', '--url', url]);
    expect(listed.code).toBe(1);
    expect(listed.stderr).toMatch(new RegExp(`^spool: .*cannot reach ${url}.*ECONNREFUSED.*\\(is a broker running there\\? --url or SPOOL_URL picks it\\)\n$`));
  });

  it('serve listens where it says, honours SPOOL_* under flags, and exits cleanly on SIGTERM', async () => {
    const data = tempDir();
    const child = spawnCli(['serve', '--port', '0', '--log-level', 'silent'], { SPOOL_DATA: data, SPOOL_PORT: '1' });
    const line = await waitForLine(child, /listening on/, 15_000, 'stderr');
    const url = /listening on (\S+)/.exec(line)![1]!;
    expect(line).toContain(join(data, 'spool.db'));
    expect(line).toContain(`dashboard at ${url}/dashboard`);
    expect(line).toContain('no API keys');
    expect((await fetch(`${url}/dashboard`)).status).toBe(200);
    const client = new SpoolClient({ url });
    await client.createQueue('served');
    await client.send('served', { body: 'kept' });
    await client.close();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);

    // The message survived the shutdown: a new broker on the same data dir has it.
    const { url: again } = await startTestServer({ dataDir: data });
    const reopened = new SpoolClient({ url: again });
    const [message] = await reopened.receive('served', { max: 1 });
    expect(message?.body).toBe('kept');
    await reopened.close();
  });

  it("serve's stdout is JSON log records only; its notices go to stderr", async () => {
    const child = spawnCli(['serve', '--port', '0', '--data', tempDir(), '--log-level', 'info']);
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const line = await waitForLine(child, /listening on/, 15_000, 'stderr');
    const client = new SpoolClient({ url: /listening on (\S+)/.exec(line)![1]! });
    await client.createQueue('logged');
    await client.close();
    child.kill('SIGTERM');
    await once(child, 'exit');
    const records = stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { msg?: string });
    expect(records.some((r) => r.msg?.startsWith('Server listening at'))).toBe(true);
  });
});
