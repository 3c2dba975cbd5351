/**
 * Property-based fuzzing of the CMQ endpoint with fast-check: every action (and topic and unknown
 * ones), over GET and POST, with parameters that are usually of the right name and kind and often
 * wrong, extreme, repeated as `name.n` or missing, and sometimes raw bytes that are not UTF-8.
 * Whatever comes in, the reply is a 200 in CMQ's shape (code, message, requestId), an error's
 * message starts with its module code, and none is 6000 (an internal error): never a 5xx, a crash
 * or a hang. Long polls are capped at 0 s here, so every request answers at once.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { startTestServer } from '../helpers/server.js';
import { CmqClient, fetchCmq } from './cmq-client.js';

const RUNS = Number(process.env.SPOOL_FUZZ_RUNS ?? 60);
const QUEUES = ['jobs', 'dlq'];

/** Receipt handles of messages leased at the start, so that fuzzed deletes can succeed. */
const liveHandles: string[] = [];

const numeric = fc.oneof(
  fc.constantFrom('-1', '0', '1', '16', '17', '30', '31', '59', '60', '1024', '3600', '3601', '43200', '43201', '1000000', '1048576', '99999999999999999', '1e3', '1.5', '', ' 1', '0x1'),
  fc.integer({ min: -2, max: 2_000_000_000 }).map(String),
);
const text = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom('', '%', '&', '=', '+', 'x'.repeat(300)));
const queueName = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...QUEUES, 'new', 'Jobs', '1bad', 'a_b') }, { weight: 1, arbitrary: text });
const policy = fc.oneof(
  fc.constantFrom('', '{', '[]', 'null', '{"deadLetterQueue":"dlq","policy":0,"maxReceiveCount":3}', '{"deadLetterQueue":"jobs","policy":1,"maxTimeToLive":300}'),
  fc.record({ deadLetterQueue: fc.oneof(queueName, fc.integer()), policy: fc.oneof(fc.constantFrom(0, 1, 2, '0'), fc.constant(null)), maxReceiveCount: fc.integer({ min: -1, max: 1001 }) }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
);
const handle = fc.oneof(fc.integer({ min: 0, max: 3 }).map((i) => liveHandles[i] ?? '1.1'), text);

const PARAMS: Record<string, fc.Arbitrary<string>> = {
  deadLetterQueueName: queueName,
  msgBody: text,
  delaySeconds: numeric,
  pollingWaitSeconds: numeric,
  numOfMsg: numeric,
  receiptHandle: handle,
  visibilityTimeout: numeric,
  maxMsgHeapNum: numeric,
  maxMsgSize: numeric,
  msgRetentionSeconds: numeric,
  rewindSeconds: numeric,
  deadLetterPolicy: policy,
  startConsumeTime: fc.oneof(numeric, fc.constant(String(Math.floor(Date.now() / 1000)))),
  searchWord: text,
  offset: numeric,
  limit: numeric,
};

/** `name.n` for an index that is usually in range, sometimes not a number. */
const repeated = fc.tuple(fc.constantFrom('msgBody', 'receiptHandle', 'queueName', 'Action'), fc.oneof(fc.integer({ min: 0, max: 18 }).map(String), fc.constantFrom('x', '01', '-1', '')), text);

/** A whole `name.n` list, numbered from 0 or 1 without gaps, of 0-18 values (16 is the most allowed). */
const batch = fc.tuple(fc.constantFrom('msgBody', 'receiptHandle'), fc.constantFrom(0, 1), fc.integer({ min: 0, max: 18 }).chain((n) => fc.array(fc.oneof(text, handle), { minLength: n, maxLength: n })))
  .map(([name, first, values]) => values.map((value, i): [string, string] => [`${name}.${first + i}`, value]));

const ACTIONS = [
  'CreateQueue', 'ListQueue', 'GetQueueAttributes', 'SetQueueAttributes', 'DeleteQueue', 'RewindQueue', 'SendMessage', 'BatchSendMessage',
  'ReceiveMessage', 'BatchReceiveMessage', 'DeleteMessage', 'BatchDeleteMessage', 'ListDeadLetterSourceQueues', 'UnbindDeadLetterQueue',
  'PublishMessage', 'Nothing',
];

const request = fc.record({
  // Most actions name a queue: it is there most of the time, so that the checks after it are reached.
  queue: fc.option(queueName, { freq: 6, nil: undefined }),
  params: fc.dictionary(fc.constantFrom(...Object.keys(PARAMS)), fc.constant(null), { maxKeys: 5 }).chain((names) =>
    fc.record(Object.fromEntries(Object.keys(names).map((name) => [name, PARAMS[name]!]))),
  ),
  repeats: fc.oneof(
    { weight: 1, arbitrary: fc.array(repeated, { maxLength: 4 }).map((list) => list.map(([name, index, value]): [string, string] => [`${name}.${index}`, value])) },
    { weight: 2, arbitrary: batch },
  ),
  extra: fc.dictionary(fc.string({ maxLength: 6 }), text, { maxKeys: 2 }),
  method: fc.constantFrom('GET', 'POST'),
  /** Raw bytes that need not be UTF-8 or well formed, appended to the form as they are. */
  raw: fc.oneof({ weight: 8, arbitrary: fc.constant(new Uint8Array()) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }) }),
});

describe('fuzzing the CMQ endpoint', () => {
  /** A broker of its own per action, set up through the endpoint: two queues, some messages leased (their handles in liveHandles). */
  async function broker(): Promise<string> {
    const { url } = await startTestServer({ durability: 'process', limits: { longPollMaxSeconds: 0 } });
    const cmq = new CmqClient({ url });
    await cmq.call('CreateQueue', { queueName: 'dlq' });
    await cmq.call('CreateQueue', { queueName: 'jobs', rewindSeconds: 600 });
    await cmq.call('BatchSendMessage', { queueName: 'jobs', ...Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`msgBody.${i}`, `m${i}`])) });
    const { msgInfoList } = (await cmq.call('BatchReceiveMessage', { queueName: 'jobs', numOfMsg: 4 })).body;
    liveHandles.splice(0, liveHandles.length, ...msgInfoList.map((m: { receiptHandle: string }) => m.receiptHandle));
    return url;
  }

  test.each(ACTIONS)('%s: always a 200 in CMQ shape, never an internal error', async (action) => {
    const url = await broker();
    await fc.assert(
      fc.asyncProperty(request, async ({ queue, params, repeats, extra, method, raw }) => {
        const pairs: [string, string][] = [['Action', action], ...(queue === undefined ? [] : [['queueName', queue] as [string, string]]), ...Object.entries(params), ...repeats, ...Object.entries(extra)];
        const form = Buffer.concat([Buffer.from(new URLSearchParams(pairs).toString()), Buffer.from(raw.length > 0 ? '&' : ''), raw]);
        // A GET's raw bytes go percent-encoded: Node refuses others in the request line.
        const { status, body } = method === 'GET'
          ? await fetchCmq(`${url}/v2/index.php?${form.toString('latin1').replace(/[^\x21-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}`)
          : await fetchCmq(`${url}/v2/index.php`, { method: 'POST', body: form });
        const inShape = typeof body.code === 'number' && typeof body.message === 'string' && typeof body.requestId === 'string' &&
          (body.code === 0 ? body.message === '' : /^\(\d+\)/.test(body.message));
        if (status !== 200 || !inShape || body.code === 6000) {
          throw new Error(`${method} ${action} ${form.toString('latin1').slice(0, 300)} → ${status} ${JSON.stringify(body).slice(0, 300)}`);
        }
      }),
      { numRuns: RUNS },
    );
    expect((await fetchCmq(`${url}/v2/index.php?Action=ListQueue`)).body.code).toBe(0);
  });
});
