/** Queue routes over real HTTP: create, list, get, attributes, delete, stats, purge, rewind, redrive. */
import { describe, expect, test } from 'vitest';
import { api, startTestServer } from '../helpers/server.js';

async function serverWithQueue(name = 'jobs', attributes?: Record<string, unknown>) {
  const { url } = await startTestServer();
  expect((await api(url, 'POST', '/v1/queues', { name, attributes })).status).toBe(201);
  return url;
}

describe('POST /v1/queues', () => {
  test('201 when created, 200 when it exists with the same attributes, 409 QUEUE_EXISTS otherwise', async () => {
    const { url } = await startTestServer();
    const created = await api(url, 'POST', '/v1/queues', { name: 'jobs', attributes: { visibilityTimeout: 60 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'jobs', attributes: { visibilityTimeout: 60, maxMsgSize: 1_048_576 } });
    expect(typeof created.body.createdAt).toBe('number');
    const again = await api(url, 'POST', '/v1/queues', { name: 'jobs', attributes: { visibilityTimeout: 60 } });
    expect(again.status).toBe(200);
    expect(again.body.createdAt).toBe(created.body.createdAt);
    const other = await api(url, 'POST', '/v1/queues', { name: 'jobs' });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('QUEUE_EXISTS');
  });

  test.each([
    [{ name: 'bad name' }, 400, 'INVALID_NAME'],
    [{ name: '9starts-with-digit' }, 400, 'INVALID_NAME'],
    [{ name: 'x'.repeat(81) }, 400, 'INVALID_NAME'],
    [{ name: 'ok', attributes: { visibilityTimeout: 0 } }, 400, 'INVALID_ATTRIBUTE'],
    [{ name: 'ok', attributes: { colour: 'blue' } }, 400, 'INVALID_ATTRIBUTE'],
    [{ name: 'ok', attributes: { deadLetterPolicy: { deadLetterQueue: 'nope', maxReceiveCount: 3 } } }, 400, 'INVALID_DEAD_LETTER_POLICY'],
    [{ name: 'ok', attributes: 'fast' }, 400, 'INVALID_PARAMETER'],
    [{ name: 'ok', extra: true }, 400, 'INVALID_PARAMETER'],
    [{ attributes: {} }, 400, 'INVALID_PARAMETER'],
    [{ name: 42 }, 400, 'INVALID_PARAMETER'],
  ])('%j → %i %s', async (body, status, code) => {
    const { url } = await startTestServer();
    const reply = await api(url, 'POST', '/v1/queues', body);
    expect(reply.status).toBe(status);
    expect(reply.body.error.code).toBe(code);
    expect(reply.body.error.message).toEqual(expect.any(String));
  });
});

describe('GET /v1/queues', () => {
  test('lists by prefix with offset and limit, and the total', async () => {
    const { url } = await startTestServer();
    for (const name of ['alpha', 'beta-1', 'beta-2', 'beta-3']) await api(url, 'POST', '/v1/queues', { name });
    const all = await api(url, 'GET', '/v1/queues');
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(4);
    expect(all.body.queues.map((q: { name: string }) => q.name)).toEqual(['alpha', 'beta-1', 'beta-2', 'beta-3']);
    const page = await api(url, 'GET', '/v1/queues?prefix=beta&offset=1&limit=1');
    expect(page.body).toMatchObject({ total: 3, queues: [{ name: 'beta-2' }] });
    expect(page.body.queues[0].attributes.visibilityTimeout).toBe(30);
  });

  test.each([
    ['?limit=0', 'INVALID_PARAMETER'],
    ['?limit=1001', 'INVALID_PARAMETER'],
    ['?limit=-1', 'INVALID_PARAMETER'],
    ['?offset=x', 'INVALID_PARAMETER'],
    ['?colour=blue', 'INVALID_PARAMETER'],
    ['?prefix=a&prefix=b', 'INVALID_PARAMETER'],
    [`?prefix=${'a'.repeat(81)}`, 'INVALID_PARAMETER'],
  ])('%s → 400 %s', async (query, code) => {
    const { url } = await startTestServer();
    const reply = await api(url, 'GET', `/v1/queues${query}`);
    expect(reply.status).toBe(400);
    expect(reply.body.error.code).toBe(code);
  });
});

test.each([
  ['GET', '/v1/queues/jobs?colour=blue'],
  ['GET', '/v1/queues/jobs/stats?colour=blue'],
  ['POST', '/v1/queues/jobs/purge?force=1'],
  ['POST', '/v1/queues/jobs/messages/receive?max=5'],
])('%s %s: a query parameter the route does not take → 400 INVALID_PARAMETER, and nothing done', async (method, path) => {
  const url = await serverWithQueue();
  await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'kept' });
  const reply = await api(url, method, path);
  expect(reply.status).toBe(400);
  expect(reply.body.error).toMatchObject({ code: 'INVALID_PARAMETER', message: expect.stringMatching(/^query string has unknown field/) });
  expect((await api(url, 'GET', '/v1/queues/jobs/stats')).body.activeMsgNum).toBe(1);
});

describe('GET /v1/queues/{q}', () => {
  test('returns name, attributes and stats', async () => {
    const url = await serverWithQueue();
    await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'one' });
    await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'later', delaySeconds: 60 });
    const reply = await api(url, 'GET', '/v1/queues/jobs');
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ name: 'jobs', attributes: { visibilityTimeout: 30 }, stats: { activeMsgNum: 1, delayMsgNum: 1, inactiveMsgNum: 0 } });
  });

  test('404 QUEUE_NOT_FOUND for a missing queue, 400 INVALID_NAME for a bad name', async () => {
    const { url } = await startTestServer();
    expect((await api(url, 'GET', '/v1/queues/nope')).body.error.code).toBe('QUEUE_NOT_FOUND');
    expect((await api(url, 'GET', '/v1/queues/nope')).status).toBe(404);
    const bad = await api(url, 'GET', `/v1/queues/${encodeURIComponent('no such!')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_NAME');
  });
});

describe('PATCH and PUT /v1/queues/{q}/attributes', () => {
  test('change some attributes and keep the others', async () => {
    const url = await serverWithQueue('jobs', { delaySeconds: 5 });
    const patched = await api(url, 'PATCH', '/v1/queues/jobs/attributes', { visibilityTimeout: 90 });
    expect(patched.status).toBe(200);
    expect(patched.body.attributes).toMatchObject({ visibilityTimeout: 90, delaySeconds: 5 });
    const put = await api(url, 'PUT', '/v1/queues/jobs/attributes', { pollingWaitSeconds: 3 });
    expect(put.body.attributes).toMatchObject({ visibilityTimeout: 90, delaySeconds: 5, pollingWaitSeconds: 3 });
    expect((await api(url, 'GET', '/v1/queues/jobs')).body.attributes.pollingWaitSeconds).toBe(3);
  });

  test('errors: bad value, unknown attribute, missing queue, not an object', async () => {
    const url = await serverWithQueue();
    const bad = await api(url, 'PATCH', '/v1/queues/jobs/attributes', { maxMsgSize: 10 });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_ATTRIBUTE']);
    expect(bad.body.error.message).toContain('maxMsgSize');
    const unknown = await api(url, 'PATCH', '/v1/queues/jobs/attributes', { speed: 1 });
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'INVALID_ATTRIBUTE']);
    const missing = await api(url, 'PATCH', '/v1/queues/nope/attributes', { visibilityTimeout: 5 });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'QUEUE_NOT_FOUND']);
    const array = await api(url, 'PUT', '/v1/queues/jobs/attributes', [1]);
    expect([array.status, array.body.error.code]).toEqual([400, 'INVALID_PARAMETER']);
  });
});

describe('DELETE /v1/queues/{q}', () => {
  test('204, then the queue is gone', async () => {
    const url = await serverWithQueue();
    const reply = await api(url, 'DELETE', '/v1/queues/jobs');
    expect(reply.status).toBe(204);
    expect(reply.body).toBe('');
    expect((await api(url, 'GET', '/v1/queues/jobs')).status).toBe(404);
    expect((await api(url, 'DELETE', '/v1/queues/jobs')).body.error.code).toBe('QUEUE_NOT_FOUND');
  });

  test('409 QUEUE_IS_DEAD_LETTER_TARGET while another queue dead-letters into it', async () => {
    const url = await serverWithQueue('dlq');
    await api(url, 'POST', '/v1/queues', { name: 'work', attributes: { deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 2 } } });
    const reply = await api(url, 'DELETE', '/v1/queues/dlq');
    expect([reply.status, reply.body.error.code]).toEqual([409, 'QUEUE_IS_DEAD_LETTER_TARGET']);
  });
});

describe('stats, purge, rewind, redrive', () => {
  test('GET /v1/queues/{q}/stats and POST .../purge', async () => {
    const url = await serverWithQueue();
    await api(url, 'POST', '/v1/queues/jobs/messages', { messages: [{ body: 'a' }, { body: 'b' }] });
    const stats = await api(url, 'GET', '/v1/queues/jobs/stats');
    expect(stats.status).toBe(200);
    expect(stats.body).toMatchObject({ activeMsgNum: 2, inactiveMsgNum: 0, delayMsgNum: 0, rewindMsgNum: 0 });
    expect(typeof stats.body.minMsgTime).toBe('number');
    const purged = await api(url, 'POST', '/v1/queues/jobs/purge');
    expect(purged.body).toEqual({ purged: 2 });
    expect((await api(url, 'GET', '/v1/queues/jobs/stats')).body.activeMsgNum).toBe(0);
    expect((await api(url, 'POST', '/v1/queues/nope/purge', {})).status).toBe(404);
    expect((await api(url, 'GET', '/v1/queues/nope/stats')).status).toBe(404);
  });

  test('POST .../rewind makes deleted messages receivable again (needs rewindSeconds)', async () => {
    const url = await serverWithQueue('jobs', { rewindSeconds: 3600 });
    const since = Date.now() - 1000;
    await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'replay me' });
    const [message] = (await api(url, 'POST', '/v1/queues/jobs/messages/receive', {})).body.messages;
    await api(url, 'POST', '/v1/queues/jobs/messages/delete', { receiptHandles: [message.receiptHandle] });
    const rewound = await api(url, 'POST', '/v1/queues/jobs/rewind', { since });
    expect(rewound.body).toEqual({ rewound: 1 });
    const again = await api(url, 'POST', '/v1/queues/jobs/messages/receive', {});
    expect(again.body.messages.map((m: { body: string }) => m.body)).toEqual(['replay me']);

    await api(url, 'POST', '/v1/queues', { name: 'plain' });
    const off = await api(url, 'POST', '/v1/queues/plain/rewind', { since });
    expect([off.status, off.body.error.code]).toEqual([400, 'REWIND_NOT_ENABLED']);
    const missing = await api(url, 'POST', '/v1/queues/jobs/rewind', {});
    expect([missing.status, missing.body.error.code]).toEqual([400, 'INVALID_PARAMETER']);
    const negative = await api(url, 'POST', '/v1/queues/jobs/rewind', { since: -5 });
    expect(negative.status).toBe(400);
  });

  test('POST .../redrive moves dead letters back to their source queue', async () => {
    const url = await serverWithQueue('dlq');
    await api(url, 'POST', '/v1/queues', { name: 'work', attributes: { deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 } } });
    await api(url, 'POST', '/v1/queues/work/messages', { body: 'poison' });
    const [message] = (await api(url, 'POST', '/v1/queues/work/messages/receive', {})).body.messages;
    await api(url, 'POST', '/v1/queues/work/messages/release', { receiptHandle: message.receiptHandle });
    expect((await api(url, 'GET', '/v1/queues/dlq/stats')).body.activeMsgNum).toBe(1);
    const moved = await api(url, 'POST', '/v1/queues/dlq/redrive');
    expect(moved.body).toEqual({ moved: 1 });
    expect((await api(url, 'GET', '/v1/queues/work/stats')).body.activeMsgNum).toBe(1);
    expect((await api(url, 'POST', '/v1/queues/nope/redrive')).status).toBe(404);
  });
});
