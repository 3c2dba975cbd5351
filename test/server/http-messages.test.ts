/** Send and receive over real HTTP, long polls included. */
import { describe, expect, test } from 'vitest';
import { api, startTestServer } from '../helpers/server.js';

async function serverWithQueue(attributes?: Record<string, unknown>) {
  const server = await startTestServer();
  await api(server.url, 'POST', '/v1/queues', { name: 'jobs', attributes });
  return server;
}

describe('POST /v1/queues/{q}/messages', () => {
  test('one message → {msgId}; a batch → {msgIds} in order', async () => {
    const { url } = await serverWithQueue();
    const one = await api(url, 'POST', '/v1/queues/jobs/messages', {
      body: 'héllo ✓',
      priority: 3,
      attributes: { kind: 'greeting' },
      dedupId: 'd1',
      replyTo: 'replies',
      correlationId: 'c1',
    });
    expect(one.status).toBe(200);
    expect(one.body).toEqual({ msgId: expect.any(String) });
    const batch = await api(url, 'POST', '/v1/queues/jobs/messages', { messages: [{ body: 'a' }, { body: 'b', delaySeconds: 1 }] });
    expect(batch.body.msgIds).toHaveLength(2);
    const [m] = (await api(url, 'POST', '/v1/queues/jobs/messages/receive', { max: 1 })).body.messages;
    expect(m).toMatchObject({ msgId: one.body.msgId, body: 'héllo ✓', attributes: { kind: 'greeting' }, replyTo: 'replies', correlationId: 'c1' });
  });

  test('a dedupId sent twice within the window yields the first msgId', async () => {
    const { url } = await serverWithQueue();
    const first = await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'x', dedupId: 'same' });
    const second = await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'x', dedupId: 'same' });
    expect(second.body.msgId).toBe(first.body.msgId);
  });

  test('a 1 MiB body, and a batch of 16 bodies of 1 MiB, are accepted', async () => {
    const { url } = await serverWithQueue();
    const big = 'b'.repeat(1_048_576);
    expect((await api(url, 'POST', '/v1/queues/jobs/messages', { body: big })).status).toBe(200);
    const batch = await api(url, 'POST', '/v1/queues/jobs/messages', { messages: Array.from({ length: 16 }, () => ({ body: big })) });
    expect(batch.status).toBe(200);
    expect(batch.body.msgIds).toHaveLength(16);
  });

  test.each([
    [{ body: '' }, 400, 'INVALID_MESSAGE_BODY'],
    [{ body: 5 }, 400, 'INVALID_MESSAGE_BODY'],
    [{}, 400, 'INVALID_MESSAGE_BODY'],
    [{ body: 'x', delaySeconds: 3601 }, 400, 'INVALID_PARAMETER'],
    [{ body: 'x', priority: 1.5 }, 400, 'INVALID_PARAMETER'],
    [{ body: 'x', attributes: { a: 1 } }, 400, 'INVALID_PARAMETER'],
    [{ body: 'x', replyTo: 'not a name' }, 400, 'INVALID_NAME'],
    [{ body: 'x', colour: 'red' }, 400, 'INVALID_PARAMETER'],
    [{ messages: [] }, 400, 'BATCH_EMPTY'],
    [{ messages: Array.from({ length: 17 }, () => ({ body: 'x' })) }, 400, 'BATCH_TOO_LARGE'],
    [{ messages: [{ body: 'x', extra: 1 }] }, 400, 'INVALID_PARAMETER'],
    [{ messages: [{ body: 'x' }], body: 'y' }, 400, 'INVALID_PARAMETER'],
    [{ messages: 'x' }, 400, 'INVALID_PARAMETER'],
  ])('%j → %i %s', async (body, status, code) => {
    const { url } = await serverWithQueue();
    const reply = await api(url, 'POST', '/v1/queues/jobs/messages', body);
    expect([reply.status, reply.body.error.code]).toEqual([status, code]);
  });

  test('413 MESSAGE_TOO_LARGE above the queue maxMsgSize; 404 for a missing queue', async () => {
    const { url } = await serverWithQueue({ maxMsgSize: 1024 });
    const big = await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'x'.repeat(1025) });
    expect([big.status, big.body.error.code]).toEqual([413, 'MESSAGE_TOO_LARGE']);
    const missing = await api(url, 'POST', '/v1/queues/nope/messages', { body: 'x' });
    expect([missing.status, missing.body.error.code]).toEqual([404, 'QUEUE_NOT_FOUND']);
  });
});

describe('POST /v1/queues/{q}/messages/receive', () => {
  test('returns the documented fields; an empty list when nothing is ready', async () => {
    const { url } = await serverWithQueue();
    expect((await api(url, 'POST', '/v1/queues/jobs/messages/receive', {})).body).toEqual({ messages: [] });
    const { msgId } = (await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'hi' })).body;
    const before = Date.now();
    const reply = await api(url, 'POST', '/v1/queues/jobs/messages/receive', { visibilityTimeout: 120 });
    expect(reply.status).toBe(200);
    const [m] = reply.body.messages;
    expect(m).toMatchObject({ msgId, body: 'hi', dequeueCount: 1, attributes: {}, replyTo: null, correlationId: null });
    for (const field of ['receiptHandle']) expect(typeof m[field]).toBe('string');
    for (const field of ['enqueueTime', 'nextVisibleTime', 'firstDequeueTime']) expect(typeof m[field]).toBe('number');
    expect(m.nextVisibleTime).toBeGreaterThanOrEqual(before + 119_000);
  });

  test('max limits the batch; no body means the defaults (up to 16, the queue wait)', async () => {
    const { url } = await serverWithQueue();
    await api(url, 'POST', '/v1/queues/jobs/messages', { messages: Array.from({ length: 5 }, (_, i) => ({ body: `m${i}` })) });
    expect((await api(url, 'POST', '/v1/queues/jobs/messages/receive', { max: 2 })).body.messages).toHaveLength(2);
    expect((await api(url, 'POST', '/v1/queues/jobs/messages/receive')).body.messages).toHaveLength(3);
  });

  test('a long poll wakes as soon as a message is sent', async () => {
    const { url } = await serverWithQueue();
    const started = Date.now();
    const polling = api(url, 'POST', '/v1/queues/jobs/messages/receive', { waitSeconds: 20 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'wake up' });
    const reply = await polling;
    expect(reply.body.messages.map((m: { body: string }) => m.body)).toEqual(['wake up']);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a long poll with nothing to receive answers an empty list when its wait ends', async () => {
    const { url } = await serverWithQueue();
    const started = Date.now();
    const reply = await api(url, 'POST', '/v1/queues/jobs/messages/receive', { waitSeconds: 1 });
    expect(reply.body).toEqual({ messages: [] });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  test('the server caps long polls at limits.longPollMaxSeconds, the queue default included', async () => {
    const { url } = await startTestServer({ limits: { longPollMaxSeconds: 1 } });
    await api(url, 'POST', '/v1/queues', { name: 'slow', attributes: { pollingWaitSeconds: 20 } });
    const tooLong = await api(url, 'POST', '/v1/queues/slow/messages/receive', { waitSeconds: 2 });
    expect([tooLong.status, tooLong.body.error.code]).toEqual([400, 'INVALID_PARAMETER']);
    const started = Date.now();
    expect((await api(url, 'POST', '/v1/queues/slow/messages/receive')).body).toEqual({ messages: [] });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test.each([
    [{ max: 0 }, 'INVALID_PARAMETER'],
    [{ max: 17 }, 'INVALID_PARAMETER'],
    [{ max: '2' }, 'INVALID_PARAMETER'],
    [{ waitSeconds: 31 }, 'INVALID_PARAMETER'],
    [{ waitSeconds: -1 }, 'INVALID_PARAMETER'],
    [{ visibilityTimeout: 0 }, 'INVALID_PARAMETER'],
    [{ visibilityTimeout: 43_201 }, 'INVALID_PARAMETER'],
    [{ wait: 1 }, 'INVALID_PARAMETER'],
    [[], 'INVALID_PARAMETER'],
  ])('%j → 400 %s', async (body, code) => {
    const { url } = await serverWithQueue();
    const reply = await api(url, 'POST', '/v1/queues/jobs/messages/receive', body);
    expect([reply.status, reply.body.error.code]).toEqual([400, code]);
  });

  test('404 for a missing queue', async () => {
    const { url } = await startTestServer();
    const reply = await api(url, 'POST', '/v1/queues/nope/messages/receive', {});
    expect([reply.status, reply.body.error.code]).toEqual([404, 'QUEUE_NOT_FOUND']);
  });
});
