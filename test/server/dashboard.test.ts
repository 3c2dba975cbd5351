/** The dashboard (GET /dashboard) and the overview it polls (GET /v1/overview), on a real broker; the page in a real browser. */
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BROWSER_HINT, findChromium } from '../helpers/browser.js';
import { api, startTestServer } from '../helpers/server.js';

/** Queues `jobs` (dead letters to `jobs-dlq`), `jobs-dlq` and `emails`; 3 sent to jobs, one received and deleted, one dead letter. */
async function populated() {
  const t = await startTestServer();
  await api(t.url, 'POST', '/v1/queues', { name: 'jobs-dlq' });
  await api(t.url, 'POST', '/v1/queues', { name: 'jobs', attributes: { deadLetterPolicy: { deadLetterQueue: 'jobs-dlq', policy: 0, maxReceiveCount: 3 } } });
  await api(t.url, 'POST', '/v1/queues', { name: 'emails' });
  await api(t.url, 'POST', '/v1/queues/jobs/messages', { messages: [{ body: 'a' }, { body: 'b' }, { body: 'c' }] });
  const received = await api(t.url, 'POST', '/v1/queues/jobs/messages/receive', { max: 1 });
  await api(t.url, 'POST', '/v1/queues/jobs/messages/delete', { receiptHandles: [received.body.messages[0].receiptHandle] });
  await api(t.url, 'POST', '/v1/queues/jobs-dlq/messages', { body: 'dead' });
  return t;
}

describe('GET /v1/overview', () => {
  it('lists every queue with its stats, its dead-letter queue, its consumers and what passed through this broker', async () => {
    const t = await populated();
    const consumers = [t.engine.consume('emails', { prefetch: 1 }, () => {}), t.engine.consume('emails', { prefetch: 1 }, () => {})];
    const { status, body } = await api(t.url, 'GET', '/v1/overview');
    expect(status).toBe(200);
    expect(body.total).toBe(3);
    expect(body.time).toBeGreaterThan(0);
    expect(body.broker).toMatch(/^[0-9a-f]{8}$/);
    expect((await api(t.url, 'GET', '/v1/overview')).body.broker).toBe(body.broker);
    expect(body.queues.map((q: { name: string }) => q.name)).toEqual(['emails', 'jobs', 'jobs-dlq']);
    expect(body.queues[1]).toMatchObject({
      name: 'jobs',
      stats: { activeMsgNum: 2, inactiveMsgNum: 0, delayMsgNum: 0 },
      deadLetterQueue: 'jobs-dlq',
      consumers: 0,
      totals: { sent: 3, received: 1, deleted: 1 },
    });
    expect(body.queues[0]).toMatchObject({ name: 'emails', consumers: 2 });
    for (const consumer of consumers) consumer.close();
    expect((await api(t.url, 'GET', '/v1/overview?prefix=emails')).body.queues[0].consumers).toBe(0);
    expect(body.queues[2]).toMatchObject({ name: 'jobs-dlq', stats: { activeMsgNum: 1 }, deadLetterQueue: null, totals: { sent: 1, received: 0, deleted: 0 } });
  });

  it('filters by prefix, caps the list at limit, and refuses a bad limit', async () => {
    const t = await populated();
    const jobs = await api(t.url, 'GET', '/v1/overview?prefix=jobs');
    expect(jobs.body.queues.map((q: { name: string }) => q.name)).toEqual(['jobs', 'jobs-dlq']);
    const one = await api(t.url, 'GET', '/v1/overview?limit=1');
    expect(one.body).toMatchObject({ total: 3, queues: [{ name: 'emails' }] });
    for (const limit of ['0', '1001', 'x']) {
      const bad = await api(t.url, 'GET', `/v1/overview?limit=${limit}`);
      expect(bad.status, limit).toBe(400);
      expect(bad.body.error.code).toBe('INVALID_PARAMETER');
    }
  });
});

describe('GET /dashboard', () => {
  it('serves a page and its script, loading nothing from elsewhere', async () => {
    const t = await startTestServer();
    const page = await api(t.url, 'GET', '/dashboard');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(page.body).toContain('<script src="/dashboard/app.js"></script>');
    expect(page.body).not.toMatch(/https?:\/\//);
    const script = await api(t.url, 'GET', '/dashboard/app.js');
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain("fetch('/v1/overview'");
  });

  const executablePath = findChromium();
  if (executablePath === null) console.log(BROWSER_HINT);

  it.skipIf(executablePath === null)('shows the queues in a browser and follows them as they change', async () => {
    const t = await populated();
    const browser = await chromium.launch({ executablePath: executablePath!, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      await page.goto(`${t.url}/dashboard`);
      const ready = (queue: string) => page.locator(`tr[data-queue="${queue}"] td.ready`);
      await expect.poll(() => ready('jobs').textContent()).toBe('2');
      await expect.poll(() => ready('emails').textContent()).toBe('0');
      expect(await page.locator('tr[data-queue="jobs-dlq"]').getAttribute('class')).toBe('dlq full');
      expect(await page.locator('tr[data-queue="jobs"] td.link').textContent()).toBe('jobs-dlq');
      const consumer = t.engine.consume('jobs', { prefetch: 10 }, () => new Promise(() => {}));
      await expect.poll(() => page.locator('tr[data-queue="jobs"] td.consumers').textContent(), { timeout: 5000 }).toBe('1');
      consumer.close();
      // It refreshes by itself.
      await api(t.url, 'POST', '/v1/queues/emails/messages', { messages: [{ body: '1' }, { body: '2' }, { body: '3' }, { body: '4' }] });
      await expect.poll(() => ready('emails').textContent(), { timeout: 5000 }).toBe('4');
      // The prefix filter.
      await page.fill('#prefix', 'jobs');
      await expect.poll(() => page.locator('tbody tr').count(), { timeout: 5000 }).toBe(2);
      // The broker going away is shown, not hidden.
      await t.close();
      await expect.poll(() => page.locator('#status').textContent(), { timeout: 5000 }).toMatch(/broker unreachable/);
      expect(errors.filter((e) => !/Failed to load resource|ERR_CONNECTION_REFUSED/.test(e))).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it.skipIf(executablePath === null)('asks for an API key on a broker with keys, and shows the queues once given one that manages them all', async () => {
    const admin = 'admin-secret-0123456789';
    const t = await startTestServer({
      apiKeys: [
        { id: 'admin', secret: admin, allow: { manage: ['*'] } },
        { id: 'producer', secret: 'producer-secret-0123456789', allow: { send: ['jobs'] } },
      ],
    });
    await api(t.url, 'POST', '/v1/queues', { name: 'jobs' }, { authorization: `Bearer ${admin}` });
    const browser = await chromium.launch({ executablePath: executablePath!, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      await page.goto(`${t.url}/dashboard`);
      await expect.poll(() => page.locator('#key-field').isVisible(), { timeout: 5000 }).toBe(true);
      expect(await page.locator('#status').textContent()).toContain('API key');
      await page.fill('#key', 'producer-secret-0123456789');
      await page.locator('#key').dispatchEvent('change');
      await expect.poll(() => page.locator('#status').textContent(), { timeout: 5000 }).toContain('manage on *');
      await page.fill('#key', admin);
      await page.locator('#key').dispatchEvent('change');
      await expect.poll(() => page.locator('tr[data-queue="jobs"] td.ready').textContent(), { timeout: 5000 }).toBe('0');
      // Kept for the tab: a reload does not ask again.
      await page.reload();
      await expect.poll(() => page.locator('tr[data-queue="jobs"] td.ready').textContent(), { timeout: 5000 }).toBe('0');
    } finally {
      await browser.close();
    }
  });
});
