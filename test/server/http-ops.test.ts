/** Operations endpoints over real HTTP: /healthz and Prometheus /metrics. */
import { once } from 'node:events';
import pino from 'pino';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { openEngine } from '../../core/index.js';
import { tempDir } from '../helpers/engine.js';
import { api, startTestServer } from '../helpers/server.js';

/** The value of one sample line of a Prometheus text page, or undefined. */
function sample(page: string, line: string): number | undefined {
  const found = page.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('GET /healthz', () => {
  test('200 {status: "ok"} while the store answers', async () => {
    const { url } = await startTestServer();
    const reply = await api(url, 'GET', '/healthz');
    expect([reply.status, reply.body]).toEqual([200, { status: 'ok' }]);
  });

  test('503 with a code when storage fails', async () => {
    const engine = openEngine({ path: `${tempDir()}/spool.db` });
    const { url } = await startTestServer({ engine });
    expect((await api(url, 'GET', '/healthz')).status).toBe(200);
    await engine.close(); // the store is gone under the server
    const reply = await api(url, 'GET', '/healthz');
    expect(reply.status).toBe(503);
    expect(reply.body).toMatchObject({ status: 'unavailable', error: { code: 'CLOSED' } });
    // Other routes say so too, with 503 and a code; nothing crashes.
    const send = await api(url, 'POST', '/v1/queues', { name: 'jobs' });
    expect([send.status, send.body.error.code]).toEqual([503, 'CLOSED']);
  });
});

describe('GET /metrics', () => {
  test('per-queue depth, in-flight and delayed; message counters; dead letters; connections; commits', async () => {
    const { url } = await startTestServer();
    await api(url, 'POST', '/v1/queues', { name: 'dlq' });
    await api(url, 'POST', '/v1/queues', { name: 'jobs', attributes: { deadLetterPolicy: { deadLetterQueue: 'dlq', policy: 0, maxReceiveCount: 1 } } });
    await api(url, 'POST', '/v1/queues/jobs/messages', { messages: [{ body: 'a' }, { body: 'b' }, { body: 'c' }, { body: 'd', delaySeconds: 300 }] });
    const received = (await api(url, 'POST', '/v1/queues/jobs/messages/receive', { max: 2 })).body.messages;
    await api(url, 'POST', '/v1/queues/jobs/messages/delete', { receiptHandles: [received[0].receiptHandle] });
    await api(url, 'POST', '/v1/queues/jobs/messages/release', { receiptHandle: received[1].receiptHandle }); // → dlq
    const ws = new WebSocket(`${url.replace('http', 'ws')}/v1/ws`);
    await once(ws, 'open');

    const reply = await api(url, 'GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toContain('text/plain');
    const page = reply.body as string;
    expect(sample(page, 'spool_queue_depth{queue="jobs"}')).toBe(1);
    expect(sample(page, 'spool_queue_in_flight{queue="jobs"}')).toBe(0);
    expect(sample(page, 'spool_queue_delayed{queue="jobs"}')).toBe(1);
    expect(sample(page, 'spool_queue_depth{queue="dlq"}')).toBe(1);
    expect(sample(page, 'spool_dead_letter_queue_depth{queue="dlq"}')).toBe(1);
    expect(sample(page, 'spool_dead_letter_queue_depth{queue="jobs"}')).toBeUndefined();
    expect(sample(page, 'spool_queues')).toBe(2);
    expect(sample(page, 'spool_messages_sent_total{queue="jobs"}')).toBe(4);
    expect(sample(page, 'spool_messages_received_total{queue="jobs"}')).toBe(2);
    expect(sample(page, 'spool_messages_deleted_total{queue="jobs"}')).toBe(1);
    expect(sample(page, 'spool_ws_connections')).toBe(1);
    expect(sample(page, 'spool_store_commit_duration_seconds_count{synced="true"}')).toBeGreaterThan(0);
    expect(sample(page, 'spool_http_requests_total{method="POST",route="/v1/queues",status="201"}')).toBe(2);
    expect(page).toContain('process_cpu_user_seconds_total');
    ws.close();
    await once(ws, 'close');
  });

  test('a deleted queue leaves the gauges and the message counters', async () => {
    const { url } = await startTestServer();
    await api(url, 'POST', '/v1/queues', { name: 'gone' });
    await api(url, 'POST', '/v1/queues', { name: 'kept' });
    for (const queue of ['gone', 'kept']) await api(url, 'POST', `/v1/queues/${queue}/messages`, { body: 'm' });
    const before = (await api(url, 'GET', '/metrics')).body;
    expect(sample(before, 'spool_queue_depth{queue="gone"}')).toBe(1);
    expect(sample(before, 'spool_messages_sent_total{queue="gone"}')).toBe(1);
    await api(url, 'DELETE', '/v1/queues/gone');
    const after = (await api(url, 'GET', '/metrics')).body;
    expect(sample(after, 'spool_queue_depth{queue="gone"}')).toBeUndefined();
    expect(after).not.toContain('queue="gone"');
    expect(sample(after, 'spool_messages_sent_total{queue="kept"}')).toBe(1);
    // Made again, the queue counts from zero.
    await api(url, 'POST', '/v1/queues', { name: 'gone' });
    await api(url, 'POST', '/v1/queues/gone/messages', { body: 'm' });
    expect(sample((await api(url, 'GET', '/metrics')).body, 'spool_messages_sent_total{queue="gone"}')).toBe(1);
  });

  test('two servers in one process keep separate metrics', async () => {
    const a = await startTestServer();
    const b = await startTestServer();
    await api(a.url, 'POST', '/v1/queues', { name: 'only-a' });
    expect((await api(b.url, 'GET', '/metrics')).body).not.toContain('only-a');
  });
});

describe('logs', () => {
  test('never contain message bodies or credentials, even at trace level', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'trace' }, { write: (line: string) => void lines.push(line) });
    const { url } = await startTestServer({ logger });
    const secret = 'SECRET-BODY-7f3a';
    const auth = { authorization: 'Bearer TOKEN-9c1d', 'x-api-key': 'KEY-4b2e' };
    await api(url, 'POST', '/v1/queues', { name: 'jobs' }, auth);
    await api(url, 'POST', '/v1/queues/jobs/messages', { body: secret, attributes: { note: secret } }, auth);
    await api(url, 'POST', '/v1/queues/jobs/messages/receive', {}, auth);
    await api(url, 'POST', '/v1/queues/jobs/messages', `{"body": "${secret}", oops}`, auth); // a parse error quotes the body
    await api(url, 'POST', '/v1/queues/jobs/messages', { body: secret, unknown: secret }, auth);
    await api(url, 'POST', '/v1/queues/nope/messages', { body: secret }, auth);
    expect(lines.length).toBeGreaterThan(5);
    const log = lines.join('');
    for (const forbidden of [secret, 'TOKEN-9c1d', 'KEY-4b2e']) expect(log).not.toContain(forbidden);
  });
});
