/** `spool topic ...` as a subprocess against a real broker (docs/topics.md). */
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { startTestServer } from '../helpers/server.js';

describe('spool topic', () => {
  it('creates, subscribes, publishes, lists and removes, with tables and --json', async () => {
    const { url, engine } = await startTestServer();
    await engine.createQueue('oncall');
    await engine.createQueue('archive');
    expect(await runCli(['topic', 'create', 'logs', '--filter', 'routing-key', '--url', url])).toMatchObject({ code: 0, stdout: 'created: logs\n' });
    expect((await runCli(['topic', 'create', 'logs', '--filter', 'routing-key', '--url', url])).stdout).toBe('exists (same attributes): logs\n');

    const subscribed = await runCli(['topic', 'subscribe', 'logs', 'errors', '--queue', 'oncall', '--binding-key', '*.error', '--binding-key', 'app.#', '--url', url]);
    expect(subscribed).toMatchObject({ code: 0, stdout: 'subscribed: errors (logs → queue oncall, *.error app.#)\n' });
    const hook = await runCli(['topic', 'subscribe', 'logs', 'hook', '--http', 'http://127.0.0.1:9/hook', '--format', 'SIMPLIFIED', '--binding-key', 'none', '--json', '--url', url]);
    expect(JSON.parse(hook.stdout)).toMatchObject({ protocol: 'http', endpoint: 'http://127.0.0.1:9/hook', notifyContentFormat: 'SIMPLIFIED' });
    expect((await runCli(['topic', 'subscribe', 'logs', 'x', '--url', url])).code).toBe(2);
    expect((await runCli(['topic', 'unsubscribe', 'logs', 'hook', '--url', url])).code).toBe(0);
    const json = await runCli(['topic', 'subscribe', 'logs', 'everything', '--queue', 'archive', '--binding-key', '#', '--json', '--url', url]);
    expect(JSON.parse(json.stdout)).toMatchObject({ topic: 'logs', name: 'everything', endpoint: 'archive', bindingKeys: ['#'] });

    const published = await runCli(['topic', 'publish', 'logs', 'disk full', '--routing-key', 'db.error', '--url', url]);
    expect(published.code).toBe(0);
    expect(published.stdout).toMatch(/^[0-9a-f-]{36}\n$/);
    const copy = (await engine.receive('oncall'))!;
    expect(copy).toMatchObject({ body: 'disk full', attributes: { 'spool.topic': 'logs', 'spool.topicMsgId': published.stdout.trim() } });
    expect((await engine.receive('archive'))!.body).toBe('disk full');

    const subs = await runCli(['topic', 'subscriptions', 'logs', '--url', url]);
    expect(subs.stdout).toMatch(/subscription\s+protocol\s+endpoint\s+filter/);
    expect(subs.stdout).toMatch(/errors\s+queue\s+oncall\s+\*\.error app\.#/);
    expect(subs.stdout).toContain('2 of 2');

    const list = await runCli(['topic', 'list', '--url', url]);
    expect(list.stdout).toMatch(/logs\s+routing-key\s+1048576/);
    expect(JSON.parse((await runCli(['topic', 'get', 'logs', '--json', '--url', url])).stdout)).toMatchObject({ name: 'logs', attributes: { filterType: 2 } });
    expect(JSON.parse((await runCli(['topic', 'set', 'logs', '--max-msg-size', '2048', '--json', '--url', url])).stdout).attributes.maxMsgSize).toBe(2048);

    const busy = await runCli(['topic', 'delete', 'logs', '--url', url]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain('TOPIC_HAS_SUBSCRIPTIONS');
    for (const name of ['errors', 'everything']) expect((await runCli(['topic', 'unsubscribe', 'logs', name, '--url', url])).code).toBe(0);
    const nobody = await runCli(['topic', 'publish', 'logs', 'x', '--routing-key', 'a', '--url', url]);
    expect([nobody.code, nobody.stderr]).toEqual([1, 'spool: TOPIC_NO_MATCH: topic "logs" has no subscriptions: the message would reach nobody\n']);
    expect(await runCli(['topic', 'delete', 'logs', '--url', url])).toMatchObject({ code: 0, stdout: 'deleted: logs\n' });
  });

  it('publishes with tags to a tags topic', async () => {
    const { url, engine } = await startTestServer();
    await engine.createQueue('red');
    await runCli(['topic', 'create', 'paint', '--url', url]);
    await runCli(['topic', 'subscribe', 'paint', 'reds', '--queue', 'red', '--tag', 'red', '--url', url]);
    expect((await runCli(['topic', 'publish', 'paint', 'blue', '--tag', 'blue', '--url', url])).code).toBe(1);
    expect((await runCli(['topic', 'publish', 'paint', 'crimson', '--tag', 'red', '--tag', 'dark', '--url', url])).code).toBe(0);
    expect((await engine.receive('red'))!.body).toBe('crimson');
  });
});
