/**
 * Property-based fuzzing of every route with fast-check: random path parameters, random JSON and
 * near-valid bodies (the right field names with wrong, extreme or missing values), raw bytes and
 * odd content types. Whatever comes in, the reply is never a 5xx, every error has a known code,
 * and the server still answers afterwards. Long polls are capped at 0 s here (they have their own
 * tests), so every request answers at once.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ERROR_CODES } from '../../core/index.js';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

/** Runs per route; with 19 routes this makes several thousand requests. */
const RUNS = Number(process.env.SPOOL_FUZZ_RUNS ?? 250);
const KNOWN_QUEUES = ['jobs', 'dlq', 'replies'];

// ---- values ----

const extremeNumber = fc.constantFrom(-1, 0, 1, 15, 16, 17, 30, 31, 1023, 1024, 3600, 3601, 43_200, 43_201, 2 ** 31, 2 ** 53, 2 ** 53 + 2, 1e21, 1e308, -1e308, 0.5, -0);
const weird: fc.Arbitrary<unknown> = fc.oneof(
  extremeNumber,
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('', 'jobs', 'dlq', 'replies', '1.1', '__proto__', 'constructor', 'x'.repeat(200)),
  fc.jsonValue({ maxDepth: 2 }),
);

const queueName = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...KNOWN_QUEUES) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,85}$/) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 600 }) },
);
/** A path segment: usually encoded, sometimes raw percent sequences (malformed ones included). */
const segment = fc.oneof(
  { weight: 5, arbitrary: queueName.map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.stringMatching(/^(%[0-9A-Fa-f]{0,2}|[a-z.])+$/) },
);

/** Receipt handles of the messages reset() leased, so fuzzed acks, extends and completes can succeed. */
const liveHandles: string[] = [];
const receiptHandle = fc.oneof(fc.integer({ min: 0, max: 3 }).map((i) => liveHandles[i] ?? '1.1'), fc.stringMatching(/^[1-9][0-9]{0,3}\.[0-9a-z]{1,7}$/), fc.string({ maxLength: 40 }), weird);

/** An object with some of `fields` (each well typed or weird) and now and then an unknown field. */
function nearValid(fields: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<unknown> {
  const record = fc.record(
    Object.fromEntries(Object.entries(fields).map(([k, good]) => [k, fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: weird })])),
    { requiredKeys: [] },
  );
  const extra = fc.oneof({ weight: 8, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), weird, { maxKeys: 2 }) });
  return fc.tuple(record, extra).map(([r, e]) => ({ ...e, ...r }));
}

const message = nearValid({
  body: fc.string({ minLength: 1, maxLength: 50 }),
  delaySeconds: fc.integer({ min: 0, max: 5 }),
  priority: fc.integer({ min: -5, max: 5 }),
  attributes: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 10 }), { maxKeys: 3 }),
  dedupId: fc.string({ minLength: 1, maxLength: 10 }),
  replyTo: fc.constantFrom(...KNOWN_QUEUES),
  correlationId: fc.string({ minLength: 1, maxLength: 10 }),
});

const attributes = nearValid({
  visibilityTimeout: fc.integer({ min: 1, max: 100 }),
  pollingWaitSeconds: fc.integer({ min: 0, max: 30 }),
  maxMsgSize: fc.integer({ min: 1024, max: 1_048_576 }),
  msgRetentionSeconds: fc.integer({ min: 60, max: 1_296_000 }),
  rewindSeconds: fc.integer({ min: 0, max: 600 }),
  maxMsgHeapNum: fc.integer({ min: 1, max: 1000 }),
  delaySeconds: fc.integer({ min: 0, max: 5 }),
  deadLetterPolicy: fc.oneof(
    fc.constant(null),
    nearValid({ deadLetterQueue: fc.constantFrom(...KNOWN_QUEUES), policy: fc.constantFrom(0, 1), maxReceiveCount: fc.integer({ min: 1, max: 5 }), maxTimeToLive: fc.integer({ min: 300, max: 600 }) }),
    fc.string({ maxLength: 30 }).map((s) => `{"deadLetterQueue":"dlq","maxReceiveCount":${s}}`),
  ),
});

const bodies: Record<string, fc.Arbitrary<unknown>> = {
  createQueue: nearValid({ name: queueName, attributes }),
  attributes,
  rewind: nearValid({ since: fc.integer({ min: 0, max: 2 ** 45 }) }),
  send: fc.oneof(message, nearValid({ messages: fc.array(message, { maxLength: 18 }) })),
  receive: nearValid({ max: fc.integer({ min: 1, max: 16 }), waitSeconds: fc.constant(0), visibilityTimeout: fc.integer({ min: 1, max: 60 }) }),
  delete: nearValid({ receiptHandles: fc.array(receiptHandle, { maxLength: 18 }) }),
  visibility: nearValid({ receiptHandle, visibilityTimeout: fc.integer({ min: 0, max: 60 }) }),
  release: nearValid({ receiptHandle, delaySeconds: fc.integer({ min: 0, max: 5 }) }),
  complete: nearValid({ receiptHandle, reply: fc.oneof(message, nearValid({ queue: queueName, body: fc.string({ minLength: 1, maxLength: 20 }) })) }),
  empty: fc.constant({}),
};

/** What goes on the wire: mostly the JSON of a body; sometimes random JSON, text, bytes or nothing. */
function payload(body: fc.Arbitrary<unknown>): fc.Arbitrary<{ data?: string | Uint8Array; contentType?: string }> {
  return fc.oneof(
    { weight: 12, arbitrary: body.map((b) => ({ data: JSON.stringify(b), contentType: 'application/json' })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((b) => ({ data: JSON.stringify(b), contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((data) => ({ data, contentType: 'application/json' })) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }).map((data) => ({ data, contentType: 'application/json; charset=utf-8' })) },
    { weight: 1, arbitrary: fc.tuple(body, fc.constantFrom('text/plain', 'application/xml', 'application/json-patch+json', 'multipart/form-data')).map(([b, contentType]) => ({ data: JSON.stringify(b), contentType })) },
    { weight: 1, arbitrary: fc.constant({}) },
  );
}

interface Route {
  method: string;
  path: (q: string) => string;
  body?: fc.Arbitrary<unknown>;
}

const queryString = fc
  .record({ prefix: weird, offset: weird, limit: weird, other: weird }, { requiredKeys: [] })
  .map((q) => new URLSearchParams(Object.entries(q).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString());

const ROUTES: Record<string, Route> = {
  'POST /v1/queues': { method: 'POST', path: () => '/v1/queues', body: bodies.createQueue },
  'GET /v1/queues/{q}': { method: 'GET', path: (q) => `/v1/queues/${q}` },
  'PATCH /v1/queues/{q}/attributes': { method: 'PATCH', path: (q) => `/v1/queues/${q}/attributes`, body: bodies.attributes },
  'PUT /v1/queues/{q}/attributes': { method: 'PUT', path: (q) => `/v1/queues/${q}/attributes`, body: bodies.attributes },
  'DELETE /v1/queues/{q}': { method: 'DELETE', path: (q) => `/v1/queues/${q}` },
  'GET /v1/queues/{q}/stats': { method: 'GET', path: (q) => `/v1/queues/${q}/stats` },
  'POST /v1/queues/{q}/purge': { method: 'POST', path: (q) => `/v1/queues/${q}/purge`, body: bodies.empty },
  'POST /v1/queues/{q}/rewind': { method: 'POST', path: (q) => `/v1/queues/${q}/rewind`, body: bodies.rewind },
  'POST /v1/queues/{q}/redrive': { method: 'POST', path: (q) => `/v1/queues/${q}/redrive`, body: bodies.empty },
  'POST /v1/queues/{q}/messages': { method: 'POST', path: (q) => `/v1/queues/${q}/messages`, body: bodies.send },
  'POST /v1/queues/{q}/messages/receive': { method: 'POST', path: (q) => `/v1/queues/${q}/messages/receive`, body: bodies.receive },
  'POST /v1/queues/{q}/messages/delete': { method: 'POST', path: (q) => `/v1/queues/${q}/messages/delete`, body: bodies.delete },
  'POST /v1/queues/{q}/messages/visibility': { method: 'POST', path: (q) => `/v1/queues/${q}/messages/visibility`, body: bodies.visibility },
  'POST /v1/queues/{q}/messages/release': { method: 'POST', path: (q) => `/v1/queues/${q}/messages/release`, body: bodies.release },
  'POST /v1/queues/{q}/messages/complete': { method: 'POST', path: (q) => `/v1/queues/${q}/messages/complete`, body: bodies.complete },
  'GET /healthz': { method: 'GET', path: () => '/healthz' },
  'any method, any path': { method: 'ANY', path: (q) => `/${q}` },
};

describe('fuzzing every route', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ durability: 'process', limits: { longPollMaxSeconds: 0 } }, { closeAfterEach: false });
  });
  afterAll(() => server.close());

  /** Puts the known queues back as new (fuzzed requests delete and change them), with some messages leased. */
  async function reset(): Promise<void> {
    // Start from no queues at all; dead-letter policies go first, as a dead-letter target cannot be deleted.
    const { engine } = server;
    for (let page = await engine.listQueues({ limit: 1000 }); page.queues.length > 0; page = await engine.listQueues({ limit: 1000 })) {
      for (const q of page.queues) if (q.attributes.deadLetterPolicy) await engine.setQueueAttributes(q.name, { deadLetterPolicy: null });
      for (const q of page.queues) await engine.deleteQueue(q.name);
    }
    for (const name of KNOWN_QUEUES) {
      expect((await api(server.url, 'POST', '/v1/queues', { name })).status).toBe(201);
    }
    await api(server.url, 'POST', '/v1/queues/jobs/messages', { messages: Array.from({ length: 8 }, (_, i) => ({ body: `m${i}`, replyTo: 'replies' })) });
    const { messages } = (await api(server.url, 'POST', '/v1/queues/jobs/messages/receive', { max: 4 })).body;
    liveHandles.splice(0, liveHandles.length, ...messages.map((m: { receiptHandle: string }) => m.receiptHandle));
  }

  async function check(method: string, path: string, wire: { data?: string | Uint8Array; contentType?: string }): Promise<void> {
    const headers: Record<string, string> = wire.contentType ? { 'content-type': wire.contentType } : {};
    const reply = await api(server.url, method, path, method === 'GET' || method === 'HEAD' ? undefined : wire.data, headers);
    if (reply.status >= 500 || (reply.status >= 400 && !ERROR_CODES.includes(reply.body?.error?.code))) {
      throw new Error(`${method} ${path} ${String(wire.data).slice(0, 200)} → ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
    }
  }

  test.each(Object.entries(ROUTES))('%s: no 5xx, known codes, still serving', async (_name, route) => {
    await reset();
    const method = route.method === 'ANY' ? fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') : fc.constant(route.method);
    await fc.assert(
      fc.asyncProperty(method, segment.map(route.path), payload(route.body ?? fc.jsonValue({ maxDepth: 2 })), (m, p, wire) => check(m, p, wire)),
      { numRuns: RUNS },
    );
    expect((await api(server.url, 'GET', '/healthz')).status).toBe(200);
  });

  test('GET /v1/queues with random query strings', async () => {
    await fc.assert(
      fc.asyncProperty(queryString, (query) => check('GET', `/v1/queues?${query}`, {})),
      { numRuns: RUNS },
    );
  });

  test('GET /metrics after all of it', async () => {
    const reply = await api(server.url, 'GET', '/metrics');
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('spool_queue_depth');
  });
});
