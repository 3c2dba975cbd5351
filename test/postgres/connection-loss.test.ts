/**
 * Losing PostgreSQL under a running broker: on a cluster of this file's own (the shared one must
 * stay up), stopped as a crash would stop it and started again. Nothing uncommitted is
 * acknowledged, /healthz reports the outage, and the same broker works again once the server is
 * back, without a restart.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestServer } from '../helpers/server.js';
import { PostgresCluster } from '../helpers/postgres.js';
import { rejectsWith } from '../helpers/expect.js';

let cluster: PostgresCluster;

beforeAll(async () => {
  cluster = await PostgresCluster.start();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Retries `op` until it succeeds (the pool reconnects on its own), for at most `ms`. */
async function eventually<T>(op: () => Promise<T>, ms = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await op();
    } catch (err) {
      if (Date.now() - started > ms) throw err;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe('when PostgreSQL goes away', () => {
  it('operations fail with STORE_FAILED, health turns unavailable, and both recover when it is back', async () => {
    const url = await cluster.createDatabase('loss');
    const records: { level: number; msg: string; failures?: number; downMs?: number }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void records.push(JSON.parse(line)) });
    const { url: broker, engine } = await startTestServer({ store: url, logger });
    await engine.createQueue('jobs');
    const before = await api(broker, 'POST', '/v1/queues/jobs/messages', { body: 'before' });
    expect(before.status).toBe(200);
    expect((await api(broker, 'GET', '/healthz')).status).toBe(200);

    cluster.kill();

    await rejectsWith(engine.send('jobs', { body: 'lost' }), 'STORE_FAILED');
    const send = await api(broker, 'POST', '/v1/queues/jobs/messages', { body: 'during' });
    expect(send.status).toBe(503);
    expect(send.body.error.code).toBe('STORE_FAILED');
    const health = await api(broker, 'GET', '/healthz');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unavailable', error: { code: 'STORE_FAILED' } });
    // Monitoring is not blinded: the scrape still answers, and says the store is down.
    const scrape = await api(broker, 'GET', '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.body).toMatch(/^spool_store_up 0$/m);
    expect(scrape.body).toMatch(/^spool_http_requests_total\{method="POST",route="\/v1\/queues\/:q\/messages",status="503"\} 1$/m);
    expect(scrape.body).toContain('process_cpu_user_seconds_total');
    // The sweep fails every second while the store is down: logged once, not every time.
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const failed = records.filter((r) => r.msg.startsWith('background work failed'));
    expect(failed).toHaveLength(1);
    expect(failed[0]!.level).toBe(50);

    cluster.startServer();

    await eventually(async () => expect((await api(broker, 'GET', '/healthz')).status).toBe(200));
    await eventually(async () => expect((await api(broker, 'GET', '/metrics')).body).toMatch(/^spool_store_up 1$/m));
    const after = await eventually(() => engine.send('jobs', { body: 'after' }));
    const recovered = await eventually(async () => records.find((r) => r.msg === 'background work recovered') ?? Promise.reject(new Error('no recovery logged')));
    expect(recovered.failures).toBeGreaterThanOrEqual(2);
    expect(recovered.downMs).toBeGreaterThanOrEqual(1000);
    expect(after).toMatch(/^\d+$/);
    // Only what was acknowledged is there.
    const got = await engine.receiveBatch('jobs', { max: 16 });
    expect(got.map((m) => m.body).sort()).toEqual(['after', 'before']);
  });

  it('a broker does not start while PostgreSQL is unreachable: STORE_FAILED, not a half-working broker', async () => {
    const url = await cluster.createDatabase('down_at_start');
    cluster.kill();
    try {
      await rejectsWith(startTestServer({ store: url }), 'STORE_FAILED');
    } finally {
      cluster.startServer();
    }
  });
});
