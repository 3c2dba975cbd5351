import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpoolClient } from '../../core/index.js';
import { runCli, spawnCli, waitForLine } from '../helpers/cli.js';
import { tempDir } from '../helpers/engine.js';
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
    expect(badNumber.stderr).toBe('spool: --max must be a whole number\n');
    const noCommand = await runCli([]);
    expect(noCommand.code).toBe(2);
    expect((await runCli(['--help'])).stdout).toMatch(/spool <command>/);
  });

  it('serve listens where it says, honours SPOOL_* under flags, and exits cleanly on SIGTERM', async () => {
    const data = tempDir();
    const child = spawnCli(['serve', '--port', '0', '--log-level', 'silent'], { SPOOL_DATA: data, SPOOL_PORT: '1' });
    const line = await waitForLine(child, /listening on/);
    const url = /listening on (\S+)/.exec(line)![1]!;
    expect(line).toContain(join(data, 'spool.db'));
    expect(line).toContain(`dashboard at ${url}/dashboard`);
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
});
