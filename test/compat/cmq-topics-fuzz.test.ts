/**
 * Property-based fuzzing of the CMQ endpoint's topic actions with fast-check: each action, over
 * GET and POST, with topic and subscription parameters usually of the right name and kind and
 * often wrong, extreme, repeated as `name.n` (sometimes past 5, or with gaps) or missing, and
 * sometimes raw bytes that are not UTF-8. Whatever comes in, the reply is a 200 in CMQ's shape and
 * never an internal error (6000). Endpoints only ever name this host, on a closed port.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { TOPIC_ACTIONS } from '../../core/server/compat/cmq/actions.js';
import { startTestServer } from '../helpers/server.js';
import { CmqClient, expectCmqShape, numbered } from './cmq-client.js';

const RUNS = Number(process.env.SPOOL_FUZZ_RUNS ?? 60);

const text = fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constantFrom('', '.', '#', '*.#', 'a..b', '%', '&', '+', 'x'.repeat(70)));
const name = (...known: string[]) => fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...known, 'Tags', '1bad', 'a_b', 'ghost') }, { weight: 1, arbitrary: text });
const numeric = fc.oneof(
  fc.constantFrom('-1', '0', '1', '2', '3', '20', '50', '51', '100', '101', '1000', '1001', '1023', '1024', '65536', '1048576', '1048577', '', '1.5', 'x'),
  fc.integer({ min: -2, max: 2_000_000_000 }).map(String),
);
/** No URL that could reach beyond this machine: 127.0.0.1 on a closed port, or none that parses as http(s). */
const endpoint = fc.oneof(
  fc.constantFrom('inbox', 'keyed-inbox', 'missing', 'spool-push-1', 'http://127.0.0.1:9/x', 'HTTP://127.0.0.1:9/y', 'ftp://127.0.0.1/', 'http://127.0.0.1:9/a b', 'http://', ''),
  text.filter((value) => !/^\s*https?:/i.test(value)),
);
const word = fc.oneof(fc.constantFrom('a', 'b', 'paid', 'a.b', 'a.#', '*.b', '#'), text);

const PARAMS: Record<string, fc.Arbitrary<string>> = {
  msgBody: text,
  routingKey: word,
  protocol: fc.constantFrom('queue', 'http', 'HTTP', 'Queue', 'email', ''),
  endpoint,
  notifyStrategy: fc.constantFrom('BACKOFF_RETRY', 'EXPONENTIAL_DECAY_RETRY', 'backoff_retry', ''),
  notifyContentFormat: fc.constantFrom('JSON', 'SIMPLIFIED', 'XML', ''),
  maxMsgSize: numeric,
  filterType: numeric,
  searchWord: text,
  offset: numeric,
  limit: numeric,
};

/** A `name.n` list of 0-7 values, numbered from 0 or 1, now and then with a gap or a plain `name`. */
const list = fc.tuple(fc.constantFrom('msgTag', 'filterTag', 'bindingKey', 'msgBody'), fc.constantFrom(0, 1), fc.array(word, { maxLength: 7 }), fc.constantFrom('', 'gap', 'plain'))
  .map(([param, first, values, flaw]): [string, string][] => {
    const pairs = Object.entries(numbered(param, values, first)).map(([key, value]): [string, string] => [key, String(value)]);
    if (flaw === 'gap' && pairs.length > 1) pairs.splice(0, 1);
    if (flaw === 'plain') pairs.push([param, 'x']);
    return pairs;
  });

const request = fc.record({
  topic: fc.option(name('tags', 'keys'), { freq: 8, nil: undefined }),
  subscription: fc.option(name('copy', 'keyed', 'hook'), { freq: 4, nil: undefined }),
  params: fc.dictionary(fc.constantFrom(...Object.keys(PARAMS)), fc.constant(null), { maxKeys: 5 }).chain((names) =>
    fc.record(Object.fromEntries(Object.keys(names).map((param) => [param, PARAMS[param]!]))),
  ),
  lists: fc.array(list, { maxLength: 2 }).map((lists) => lists.flat()),
  method: fc.constantFrom('GET' as const, 'POST' as const),
  raw: fc.oneof({ weight: 8, arbitrary: fc.constant(new Uint8Array()) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }) }),
});

/** A broker of its own per action: a tags topic, a routing-key topic, queue and http subscriptions. */
async function broker(): Promise<string> {
  const { url } = await startTestServer({ durability: 'process' });
  const cmq = new CmqClient({ url });
  const setUp: [string, Record<string, string | number>][] = [
    ['CreateQueue', { queueName: 'inbox' }],
    ['CreateQueue', { queueName: 'keyed-inbox' }],
    ['CreateTopic', { topicName: 'tags' }],
    ['CreateTopic', { topicName: 'keys', filterType: 2 }],
    ['Subscribe', { topicName: 'tags', subscriptionName: 'copy', protocol: 'queue', endpoint: 'inbox', 'filterTag.1': 'paid' }],
    ['Subscribe', { topicName: 'tags', subscriptionName: 'hook', protocol: 'http', endpoint: 'http://127.0.0.1:9/hook' }],
    ['Subscribe', { topicName: 'keys', subscriptionName: 'keyed', protocol: 'queue', endpoint: 'keyed-inbox', 'bindingKey.1': 'a.#' }],
  ];
  for (const [action, params] of setUp) expect((await cmq.call(action, params)).body.code, action).toBe(0);
  return url;
}

describe('fuzzing the CMQ topic actions', () => {
  test.each([...TOPIC_ACTIONS, 'ClearSUbscriptionFIlterTags'])('%s: always a 200 in CMQ shape, never an internal error', async (action) => {
    const url = await broker();
    await fc.assert(
      fc.asyncProperty(request, async ({ topic, subscription, params, lists, method, raw }) => {
        const pairs: [string, string][] = [
          ['Action', action],
          ...(topic === undefined ? [] : [['topicName', topic] as [string, string]]),
          ...(subscription === undefined ? [] : [['subscriptionName', subscription] as [string, string]]),
          ...Object.entries(params),
          ...lists,
        ];
        await expectCmqShape(url, method, pairs, raw);
      }),
      { numRuns: RUNS },
    );
    expect((await expectCmqShape(url, 'GET', [['Action', 'ListTopic']])).body.code).toBe(0);
  });
});
