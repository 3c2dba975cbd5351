/** Delete, visibility, release and complete over real HTTP, by receipt handle. */
import { describe, expect, test } from 'vitest';
import { api, startTestServer } from '../helpers/server.js';

/** A server with queue `jobs` holding `count` messages, all received: their receipt handles. */
async function leased(count = 1, attributes?: Record<string, unknown>) {
  const { url } = await startTestServer();
  await api(url, 'POST', '/v1/queues', { name: 'jobs', attributes });
  await api(url, 'POST', '/v1/queues/jobs/messages', { messages: Array.from({ length: count }, (_, i) => ({ body: `m${i}` })) });
  const { messages } = (await api(url, 'POST', '/v1/queues/jobs/messages/receive', { max: count })).body;
  return { url, handles: messages.map((m: { receiptHandle: string }) => m.receiptHandle) as string[] };
}

const stats = async (url: string, queue = 'jobs') => (await api(url, 'GET', `/v1/queues/${queue}/stats`)).body;

describe('POST /v1/queues/{q}/messages/delete', () => {
  test('deletes current leases and reports each failure on its own', async () => {
    const { url, handles } = await leased(2);
    const reply = await api(url, 'POST', '/v1/queues/jobs/messages/delete', { receiptHandles: [handles[0], 'garbage', `${handles[1]!.split('.')[0]}.zz`] });
    expect(reply.status).toBe(200);
    expect(reply.body.deleted).toEqual([handles[0]]);
    expect(reply.body.failed).toEqual([
      { receiptHandle: 'garbage', code: 'RECEIPT_HANDLE_INVALID', message: expect.any(String) },
      { receiptHandle: expect.stringMatching(/\.zz$/), code: 'RECEIPT_HANDLE_STALE', message: expect.any(String) },
    ]);
    expect(await stats(url)).toMatchObject({ inactiveMsgNum: 1, activeMsgNum: 0 });
    const again = await api(url, 'POST', '/v1/queues/jobs/messages/delete', { receiptHandles: [handles[0]] });
    expect(again.body.failed[0].code).toBe('RECEIPT_HANDLE_STALE');
  });

  test.each([
    [{ receiptHandles: [] }, 400, 'BATCH_EMPTY'],
    [{ receiptHandles: Array.from({ length: 17 }, () => '1.1') }, 400, 'BATCH_TOO_LARGE'],
    [{ receiptHandles: [1] }, 400, 'INVALID_PARAMETER'],
    [{ receiptHandles: 'x' }, 400, 'INVALID_PARAMETER'],
    [{}, 400, 'INVALID_PARAMETER'],
  ])('%j → %i %s', async (body, status, code) => {
    const { url } = await leased(1);
    const reply = await api(url, 'POST', '/v1/queues/jobs/messages/delete', body);
    expect([reply.status, reply.body.error.code]).toEqual([status, code]);
  });
});

describe('POST /v1/queues/{q}/messages/visibility', () => {
  test('extends a lease, or with 0 makes the message ready at once', async () => {
    const { url, handles } = await leased(1);
    const before = Date.now();
    const extended = await api(url, 'POST', '/v1/queues/jobs/messages/visibility', { receiptHandle: handles[0], visibilityTimeout: 600 });
    expect(extended.status).toBe(200);
    expect(extended.body.nextVisibleTime).toBeGreaterThanOrEqual(before + 599_000);
    await api(url, 'POST', '/v1/queues/jobs/messages/visibility', { receiptHandle: handles[0], visibilityTimeout: 0 });
    const again = (await api(url, 'POST', '/v1/queues/jobs/messages/receive', {})).body.messages;
    expect(again[0].dequeueCount).toBe(2);
  });

  test('409 RECEIPT_HANDLE_STALE for an old lease; 400 for malformed handles and values', async () => {
    const { url, handles } = await leased(1);
    await api(url, 'POST', '/v1/queues/jobs/messages/delete', { receiptHandles: handles });
    const stale = await api(url, 'POST', '/v1/queues/jobs/messages/visibility', { receiptHandle: handles[0], visibilityTimeout: 10 });
    expect([stale.status, stale.body.error.code]).toEqual([409, 'RECEIPT_HANDLE_STALE']);
    const malformed = await api(url, 'POST', '/v1/queues/jobs/messages/visibility', { receiptHandle: 'nope', visibilityTimeout: 10 });
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'RECEIPT_HANDLE_INVALID']);
    const range = await api(url, 'POST', '/v1/queues/jobs/messages/visibility', { receiptHandle: handles[0], visibilityTimeout: 43_201 });
    expect([range.status, range.body.error.code]).toEqual([400, 'INVALID_PARAMETER']);
    const missing = await api(url, 'POST', '/v1/queues/jobs/messages/visibility', { receiptHandle: handles[0] });
    expect([missing.status, missing.body.error.code]).toEqual([400, 'INVALID_PARAMETER']);
  });
});

describe('POST /v1/queues/{q}/messages/release', () => {
  test('makes the message ready again, or delayed', async () => {
    const { url, handles } = await leased(2);
    expect((await api(url, 'POST', '/v1/queues/jobs/messages/release', { receiptHandle: handles[0] })).body).toEqual({});
    await api(url, 'POST', '/v1/queues/jobs/messages/release', { receiptHandle: handles[1], delaySeconds: 60 });
    expect(await stats(url)).toMatchObject({ activeMsgNum: 1, delayMsgNum: 1, inactiveMsgNum: 0 });
    const stale = await api(url, 'POST', '/v1/queues/jobs/messages/release', { receiptHandle: handles[0] });
    expect([stale.status, stale.body.error.code]).toEqual([409, 'RECEIPT_HANDLE_STALE']);
    const bad = await api(url, 'POST', '/v1/queues/jobs/messages/release', { receiptHandle: handles[0], delaySeconds: 3601 });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'INVALID_PARAMETER']);
  });
});

describe('POST /v1/queues/{q}/messages/complete', () => {
  test('deletes the message and sends the reply in one step', async () => {
    const { url, handles } = await leased(1);
    await api(url, 'POST', '/v1/queues', { name: 'replies' });
    const reply = await api(url, 'POST', '/v1/queues/jobs/messages/complete', {
      receiptHandle: handles[0],
      reply: { queue: 'replies', body: 'done', correlationId: 'c-1', attributes: { ok: 'yes' } },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ msgId: expect.any(String) });
    expect(await stats(url)).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0 });
    const [answer] = (await api(url, 'POST', '/v1/queues/replies/messages/receive', {})).body.messages;
    expect(answer).toMatchObject({ msgId: reply.body.msgId, body: 'done', correlationId: 'c-1', attributes: { ok: 'yes' } });
  });

  test('a stale lease sends nothing (409); a missing reply queue is 404; bad shapes 400', async () => {
    const { url, handles } = await leased(1);
    await api(url, 'POST', '/v1/queues', { name: 'replies' });
    const missingQueue = await api(url, 'POST', '/v1/queues/jobs/messages/complete', { receiptHandle: handles[0], reply: { queue: 'nope', body: 'x' } });
    expect([missingQueue.status, missingQueue.body.error.code]).toEqual([404, 'REPLY_QUEUE_NOT_FOUND']);
    await api(url, 'POST', '/v1/queues/jobs/messages/delete', { receiptHandles: handles });
    const stale = await api(url, 'POST', '/v1/queues/jobs/messages/complete', { receiptHandle: handles[0], reply: { queue: 'replies', body: 'x' } });
    expect([stale.status, stale.body.error.code]).toEqual([409, 'RECEIPT_HANDLE_STALE']);
    expect((await stats(url, 'replies')).activeMsgNum).toBe(0);
    for (const body of [
      { receiptHandle: handles[0] },
      { receiptHandle: handles[0], reply: { body: 'x' } },
      { receiptHandle: handles[0], reply: { queue: 'replies', body: 'x', extra: 1 } },
      { receiptHandle: handles[0], reply: 'x' },
    ]) {
      const reply = await api(url, 'POST', '/v1/queues/jobs/messages/complete', body);
      expect([reply.status, reply.body.error.code]).toEqual([400, 'INVALID_PARAMETER']);
    }
    const emptyBody = await api(url, 'POST', '/v1/queues/jobs/messages/complete', { receiptHandle: handles[0], reply: { queue: 'replies', body: '' } });
    expect([emptyBody.status, emptyBody.body.error.code]).toEqual([400, 'INVALID_MESSAGE_BODY']);
  });
});
