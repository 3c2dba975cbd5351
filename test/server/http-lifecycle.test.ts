/** Starting and closing the broker: graceful close, long polls, disconnects, ownership of the engine. */
import { once } from 'node:events';
import { get as httpGet } from 'node:http';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { openEngine } from '../../core/index.js';
import { resolveServerOptions } from '../../core/server/options.js';
import { startServer } from '../../core/server/server.js';
import { tempDir } from '../helpers/engine.js';
import { api, startTestServer } from '../helpers/server.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('close()', () => {
  test('ends a pending long poll at once (an empty list), then stops listening', async () => {
    const { url, server } = await startTestServer();
    await api(url, 'POST', '/v1/queues', { name: 'jobs' });
    const polling = api(url, 'POST', '/v1/queues/jobs/messages/receive', { waitSeconds: 25 });
    await sleep(200);
    const started = Date.now();
    await server.close();
    const reply = await polling;
    expect([reply.status, reply.body]).toEqual([200, { messages: [] }]);
    expect(Date.now() - started).toBeLessThan(3000);
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  test('is idempotent, and closes the engine it opened', async () => {
    const { server, engine } = await startTestServer();
    const first = server.close();
    expect(server.close()).toBe(first);
    await first;
    await expect(engine.listQueues()).rejects.toMatchObject({ code: 'CLOSED' });
  });

  test('leaves an engine it was given open', async () => {
    const engine = openEngine({ path: `${tempDir()}/spool.db` });
    try {
      const { server } = await startTestServer({ engine });
      await server.close();
      await engine.createQueue('still-open');
      expect((await engine.listQueues()).total).toBe(1);
    } finally {
      await engine.close();
    }
  });

  test('the data dir can be opened again after close (the store lock is released)', async () => {
    const dataDir = tempDir();
    const first = await startTestServer({ dataDir });
    await api(first.url, 'POST', '/v1/queues', { name: 'durable' });
    await first.close();
    const second = await startTestServer({ dataDir });
    expect((await api(second.url, 'GET', '/v1/queues/durable')).status).toBe(200);
  });
});

describe('startServer()', () => {
  test('reports url, host and port; port 0 picks a free port', async () => {
    const { server } = await startTestServer();
    expect(server.host).toBe('127.0.0.1');
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.options.databasePath).toMatch(/spool\.db$/);
  });

  test('a second broker on the same data dir fails with STORE_LOCKED', async () => {
    const dataDir = tempDir();
    await startTestServer({ dataDir });
    await expect(startServer({ dataDir, port: 0, logger: false })).rejects.toMatchObject({ code: 'STORE_LOCKED' });
  });

  test('a port in use fails, and releases the data dir it opened', async () => {
    const taken = await startTestServer();
    const dataDir = tempDir();
    await expect(startServer({ dataDir, port: taken.port, logger: false })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    const retry = await startTestServer({ dataDir });
    expect((await api(retry.url, 'GET', '/healthz')).status).toBe(200);
  });

  test('takes a resolved ServerOptions as is (what the CLI passes)', async () => {
    const dataDir = tempDir();
    const resolved = resolveServerOptions({ env: { SPOOL_PORT: '0', SPOOL_DATA: dataDir, SPOOL_DURABILITY: 'process' } });
    const server = await startServer({ ...resolved, logger: false });
    try {
      expect(server.options).toMatchObject({ dataDir, durability: 'process', databasePath: resolved.databasePath });
      expect((await api(server.url, 'GET', '/healthz')).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  test('bad options are refused naming the option', async () => {
    await expect(startServer({ port: 70_000, logger: false })).rejects.toThrow(/port must be an integer from 0 to 65535/);
  });
});

describe('long polls and clients that go away', () => {
  test('a message arriving after the client left is released, not held for the lease', async () => {
    const { url } = await startTestServer();
    await api(url, 'POST', '/v1/queues', { name: 'jobs', attributes: { visibilityTimeout: 3600 } });
    const abort = new AbortController();
    const polling = fetch(`${url}/v1/queues/jobs/messages/receive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ waitSeconds: 20 }),
      signal: abort.signal,
    }).catch(() => 'aborted');
    await sleep(150);
    abort.abort();
    expect(await polling).toBe('aborted');
    await sleep(150);
    await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'for someone still here' });
    let messages: { body: string; dequeueCount: number }[] = [];
    for (let i = 0; i < 50 && messages.length === 0; i++) {
      messages = (await api(url, 'POST', '/v1/queues/jobs/messages/receive', { waitSeconds: 1 })).body.messages;
    }
    expect(messages.map((m) => m.body)).toEqual(['for someone still here']);
  });

  test('several long polls share the messages; none is lost', async () => {
    const { url } = await startTestServer();
    await api(url, 'POST', '/v1/queues', { name: 'jobs' });
    const polls = Array.from({ length: 4 }, () => api(url, 'POST', '/v1/queues/jobs/messages/receive', { waitSeconds: 10, max: 1 }));
    await sleep(200);
    await api(url, 'POST', '/v1/queues/jobs/messages', { messages: [1, 2, 3, 4].map((i) => ({ body: `m${i}` })) });
    const bodies = (await Promise.all(polls)).flatMap((r) => r.body.messages.map((m: { body: string }) => m.body));
    expect(bodies.sort()).toEqual(['m1', 'm2', 'm3', 'm4']);
  });
});

describe('the connection limit', () => {
  /** One request on a connection of its own (no keep-alive pool), so each counts against the limit. */
  function getOnNewConnection(url: string): Promise<{ status: number; connection: string | undefined; body: string }> {
    return new Promise((resolve, reject) => {
      httpGet(url, { agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
      }).on('error', reject);
    });
  }

  function upgradeStatus(url: string): Promise<number> {
    const ws = new WebSocket(url);
    return new Promise((resolve, reject) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.once('open', () => resolve(101));
      ws.once('error', reject);
    }).finally(() => ws.terminate()) as Promise<number>;
  }

  test('answers connections beyond limits.maxConnections with 503 TOO_MANY_CONNECTIONS, HTTP and WebSocket alike', async () => {
    const { url, server } = await startTestServer({ limits: { maxConnections: 2 } });
    const wsUrl = `${url.replace('http', 'ws')}/v1/ws`;
    const held = [new WebSocket(wsUrl), new WebSocket(wsUrl)];
    await Promise.all(held.map((ws) => once(ws, 'open')));

    const refused = await getOnNewConnection(`${url}/healthz`);
    expect(refused.status).toBe(503);
    expect(refused.connection).toBe('close');
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'TOO_MANY_CONNECTIONS' } });
    expect(await upgradeStatus(wsUrl)).toBe(503);

    held[0]!.close();
    await once(held[0]!, 'close');
    await sleep(50); // the server sees the close
    expect((await getOnNewConnection(`${url}/healthz`)).status).toBe(200);
    held[1]!.close();
    await server.close();
  });
});
