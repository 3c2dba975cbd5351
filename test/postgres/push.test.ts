/**
 * HTTP push with two brokers on one PostgreSQL (docs/topics.md "HTTP push"): both consume the push
 * queue, and leases keep a message from being pushed by both.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, inject } from 'vitest';
import { until } from '../helpers/expect.js';
import { adminQuery } from '../helpers/postgres.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

let url = '';
let name = '';
const brokers: TestServer[] = [];
let hook: Server | null = null;

beforeEach(async () => {
  const { adminUrl } = inject('postgres');
  name = `spool_push_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${name}`);
  url = adminUrl.replace(/\/postgres$/, `/${name}`);
});

afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
  if (hook) await new Promise((resolve) => hook!.close(resolve));
  hook = null;
  await adminQuery(inject('postgres').adminUrl, `DROP DATABASE ${name} WITH (FORCE)`);
});

describe('HTTP push on PostgreSQL', () => {
  it('two brokers push each message once, never the same message at once', async () => {
    const pushes = new Map<string, number>();
    const inFlight = new Set<string>();
    let overlaps = 0;
    hook = createServer((req, res) => {
      const msgId = String(req.headers['x-cmq-message-id']);
      if (inFlight.has(msgId)) overlaps++;
      inFlight.add(msgId);
      pushes.set(msgId, (pushes.get(msgId) ?? 0) + 1);
      req.resume();
      // Slow enough that both brokers hold pushes at once.
      setTimeout(() => {
        inFlight.delete(msgId);
        res.end();
      }, 20);
    });
    await new Promise<void>((resolve) => hook!.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/`;

    const push = { discoverIntervalMs: 20, concurrency: 4 };
    const a = await startTestServer({ store: url, push }, { closeAfterEach: false });
    brokers.push(a);
    const b = await startTestServer({ store: url, push }, { closeAfterEach: false });
    brokers.push(b);
    await a.engine.topics.createTopic('news');
    await a.engine.topics.subscribe('news', 'hook', { protocol: 'http', endpoint });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(...(await (i % 2 ? a : b).engine.topics.publishBatch('news', Array.from({ length: 8 }, (_, j) => ({ body: `m${i}-${j}` })))));
    await until(() => pushes.size === ids.length, 'every push', 20_000);
    const queue = (await a.engine.topics.getSubscription('news', 'hook')).deliveryQueue;
    await until(async () => (await a.engine.stats(queue)).inactiveMsgNum === 0, 'the acks', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect([...pushes.keys()].sort()).toEqual([...ids].sort());
    expect([...pushes.values()].every((n) => n === 1)).toBe(true);
    expect(overlaps).toBe(0);
    expect(await a.engine.stats(queue)).toMatchObject({ activeMsgNum: 0, inactiveMsgNum: 0, delayMsgNum: 0 });
  });
});
