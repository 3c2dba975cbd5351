/**
 * API keys (docs/auth.md): who may call what, over HTTP and the WebSocket, with the task
 * framework on top; the keys file's checks; and no-auth mode only on loopback.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { SpoolClient, type Delivery } from '../../core/index.js';
import { KeyRing, type ApiKeySpec } from '../../core/server/auth/api-keys.js';
import { startServer } from '../../core/server/server.js';
import { startMaster } from '../../master/index.js';
import { startWorker } from '../../worker/index.js';
import { tempDir } from '../helpers/engine.js';
import { rejectsWith, throwsWith } from '../helpers/expect.js';
import { api, startTestServer } from '../helpers/server.js';
import { eventually } from '../helpers/ws-broker.js';

const ADMIN = 'admin-secret-0123456789';
const PRODUCER = 'producer-secret-0123456789';
const CONSUMER = 'consumer-secret-0123456789';

const KEYS: ApiKeySpec[] = [
  { id: 'admin', secret: ADMIN, allow: { manage: ['*'], send: ['*'], receive: ['*'] } },
  { id: 'producer', secret: PRODUCER, allow: { send: ['jobs'] } },
  { id: 'consumer', secret: CONSUMER, allow: { receive: ['jobs'], send: ['replies'] } },
];

const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

async function broker() {
  const server = await startTestServer({ apiKeys: KEYS });
  for (const name of ['jobs', 'replies', 'other']) expect((await api(server.url, 'POST', '/v1/queues', { name }, bearer(ADMIN))).status).toBe(201);
  return server;
}

describe('API keys over HTTP', () => {
  it('a request without a known key is 401 UNAUTHORIZED; probes, the scrape and the dashboard page stay open', async () => {
    const { url } = await broker();
    const none = await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'x' });
    expect(none.status).toBe(401);
    expect(none.body.error).toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringContaining('Authorization: Bearer') });
    const wrong = await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'x' }, bearer('not-a-key-of-this-broker'));
    expect(wrong.body.error.code).toBe('UNAUTHORIZED');
    expect((await api(url, 'GET', '/v1/queues/nope')).status).toBe(401); // nothing said about what exists
    for (const path of ['/healthz', '/metrics', '/dashboard', '/dashboard/app.js']) expect((await api(url, 'GET', path)).status).toBe(200);
    expect((await api(url, 'GET', '/v1/overview')).status).toBe(401);
  });

  it('a key does what its permissions allow on the queues they name, and gets 403 FORBIDDEN for the rest', async () => {
    const { url } = await broker();
    expect((await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'one' }, bearer(PRODUCER))).status).toBe(200);
    expect((await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'two' }, { 'x-api-key': PRODUCER })).status).toBe(200);
    const elsewhere = await api(url, 'POST', '/v1/queues/other/messages', { body: 'x' }, bearer(PRODUCER));
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.body.error).toEqual({ code: 'FORBIDDEN', message: 'API key producer: no send permission on queue other' });
    expect((await api(url, 'POST', '/v1/queues/jobs/messages/receive', {}, bearer(PRODUCER))).body.error.code).toBe('FORBIDDEN');
    expect((await api(url, 'POST', '/v1/queues', { name: 'mine' }, bearer(PRODUCER))).body.error.code).toBe('FORBIDDEN');
    expect((await api(url, 'POST', '/v1/queues/jobs/purge', undefined, bearer(PRODUCER))).body.error.code).toBe('FORBIDDEN');
    // Looking at a queue needs any permission on it; listing them all needs manage on *.
    expect((await api(url, 'GET', '/v1/queues/jobs', undefined, bearer(PRODUCER))).status).toBe(200);
    expect((await api(url, 'GET', '/v1/queues/other/stats', undefined, bearer(PRODUCER))).status).toBe(403);
    expect((await api(url, 'GET', '/v1/queues', undefined, bearer(PRODUCER))).body.error.message).toContain('manage on *');
    expect((await api(url, 'GET', '/v1/queues', undefined, bearer(ADMIN))).body.total).toBe(3);
    expect((await api(url, 'GET', '/v1/overview', undefined, bearer(ADMIN))).status).toBe(200);

    // A complete needs receive on the task's queue and send on the reply's.
    const [message] = (await api(url, 'POST', '/v1/queues/jobs/messages/receive', { max: 1 }, bearer(CONSUMER))).body.messages;
    const toJobs = await api(url, 'POST', '/v1/queues/jobs/messages/complete', { receiptHandle: message.receiptHandle, reply: { queue: 'jobs', body: 'r' } }, bearer(CONSUMER));
    expect(toJobs.body.error.message).toBe('API key consumer: no send permission on queue jobs');
    const toReplies = await api(url, 'POST', '/v1/queues/jobs/messages/complete', { receiptHandle: message.receiptHandle, reply: { queue: 'replies', body: 'r' } }, bearer(CONSUMER));
    expect(toReplies.status).toBe(200);
  });
});

describe('queues a request names besides its own', () => {
  it('naming a dead-letter queue, or a replyTo, needs send on it: otherwise messages would reach it without a send', async () => {
    const mine = 'mine-secret-0123456789';
    const server = await startTestServer({
      apiKeys: [...KEYS, { id: 'mine', secret: mine, allow: { manage: ['mine'], send: ['mine'], receive: ['mine'] } }],
    });
    for (const name of ['jobs', 'mine']) await api(server.url, 'POST', '/v1/queues', { name }, bearer(ADMIN));
    const dlq = { deadLetterPolicy: { deadLetterQueue: 'jobs', policy: 0, maxReceiveCount: 1 } };
    const created = await api(server.url, 'POST', '/v1/queues', { name: 'mine', attributes: dlq }, bearer(mine));
    expect(created.body.error).toEqual({ code: 'FORBIDDEN', message: 'API key mine: no send permission on queue jobs' });
    expect((await api(server.url, 'PATCH', '/v1/queues/mine/attributes', dlq, bearer(mine))).body.error.code).toBe('FORBIDDEN');
    expect((await api(server.url, 'GET', '/v1/queues/mine', undefined, bearer(mine))).body.attributes.deadLetterPolicy).toBeNull();
    const replyTo = await api(server.url, 'POST', '/v1/queues/mine/messages', { body: 'x', replyTo: 'jobs' }, bearer(mine));
    expect(replyTo.body.error.message).toBe('API key mine: no send permission on queue jobs');
    const inBatch = await api(server.url, 'POST', '/v1/queues/mine/messages', { messages: [{ body: 'a' }, { body: 'b', replyTo: 'jobs' }] }, bearer(mine));
    expect(inBatch.body.error.code).toBe('FORBIDDEN');
    expect((await api(server.url, 'POST', '/v1/queues/mine/messages', { body: 'x', replyTo: 'mine' }, bearer(mine))).status).toBe(200);
    const client = new SpoolClient({ url: server.url, apiKey: mine });
    try {
      await rejectsWith(client.sendWs('mine', { body: 'x', replyTo: 'jobs' }), 'FORBIDDEN');
    } finally {
      await client.close();
    }
  });
});

describe('API keys over the WebSocket', () => {
  it('an upgrade without a known key is refused with 401', async () => {
    const { url } = await broker();
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`);
    const status = await new Promise<number>((resolve) => ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it("each op needs its permission on the op's queue", async () => {
    const { url } = await broker();
    const consumer = new SpoolClient({ url, apiKey: CONSUMER });
    try {
      await rejectsWith(consumer.sendWs('jobs', { body: 'x' }), 'FORBIDDEN');
      await rejectsWith(consumer.subscribe('other', { prefetch: 1 }, () => {}), 'FORBIDDEN');
      const got: Delivery[] = [];
      await consumer.subscribe('jobs', { prefetch: 1 }, (m) => {
        got.push(m);
      });
      await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'pushed' }, bearer(PRODUCER));
      await eventually(() => got.length === 1, 5000, 'the delivery');
      await rejectsWith(got[0]!.complete({ queue: 'other', body: 'r' }), 'FORBIDDEN');
      expect(await got[0]!.complete({ queue: 'replies', body: 'r' })).toEqual(expect.any(String));
    } finally {
      await consumer.close();
    }
  });

  it('a master and a worker run tasks with keys of their own', async () => {
    const { url } = await startTestServer({
      apiKeys: [
        // Tasks carry the master's reply queue as replyTo: the master needs send on it too.
        { id: 'master', secret: 'master-secret-0123456789', allow: { manage: ['tasks', 'spool-replies-m'], send: ['tasks', 'spool-replies-m'], receive: ['spool-replies-m'] } },
        { id: 'worker', secret: 'worker-secret-0123456789', allow: { receive: ['tasks'], send: ['spool-replies-*'] } },
      ],
    });
    const master = await startMaster({ url, apiKey: 'master-secret-0123456789', queue: 'tasks', name: 'm' });
    const worker = await startWorker({ url, apiKey: 'worker-secret-0123456789', queue: 'tasks', handlers: { double: (n: number) => n * 2 } });
    try {
      expect(await master.run('double', 21)).toBe(42);
    } finally {
      await worker.close();
      await master.close();
    }
  });
});

describe('keys and where a broker listens', () => {
  it('without keys a broker listens only on loopback', async () => {
    const err = await rejectsWith(startServer({ host: '0.0.0.0', port: 0, dataDir: tempDir(), logger: false }), 'INVALID_PARAMETER');
    expect(err.message).toContain('not a loopback address');
  });

  it('reads its keys from apiKeysFile, and refuses a file that is wrong with a message naming what', async () => {
    const dir = tempDir();
    const file = join(dir, 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: KEYS }));
    const { url } = await startTestServer({ apiKeysFile: file });
    expect((await api(url, 'POST', '/v1/queues', { name: 'jobs' }, bearer(ADMIN))).status).toBe(201);

    const cases: [unknown, string][] = [
      [[], '"keys" must be a non-empty array'],
      [[{ id: 'a', secret: 'short', allow: {} }], 'keys[0].secret must be at least 16 printable ASCII characters'],
      [[{ id: 'a', secret: 'has a space in it 0123', allow: {} }], 'keys[0].secret must be at least 16 printable ASCII characters'],
      [[KEYS[0], { ...KEYS[1], id: 'admin' }], 'keys[1].id "admin" is used twice'],
      [[{ ...KEYS[0], secret: PRODUCER }, KEYS[1]], 'keys[1].secret is the secret of another key'],
      [[{ ...KEYS[1], allow: { write: ['jobs'] } }], 'unknown permission "write"'],
      [[{ ...KEYS[1], allow: { send: ['jobs/*'] } }], '"jobs/*" is not a queue name, a prefix ending in *, or *'],
      [[{ ...KEYS[1], role: 'x' }], 'unknown field "role"'],
    ];
    for (const [keys, message] of cases) expect(throwsWith(() => KeyRing.of(keys, 'test'), 'INVALID_PARAMETER').message).toContain(message);
    // The parser's own message would quote the text near the error: a secret.
    writeFileSync(file, '{"keys": [{"id": "a", "secret": sEcReT-0123456789}]}');
    const broken = await rejectsWith(startServer({ port: 0, dataDir: dir, logger: false, apiKeysFile: file }), 'INVALID_PARAMETER');
    expect(broken.message).toContain('is not valid JSON');
    expect(broken.message).not.toContain('sEcReT');
  });
});
