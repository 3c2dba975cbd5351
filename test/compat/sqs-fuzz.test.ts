/**
 * Property-based fuzzing of the SQS endpoint with fast-check: every action (and unknown ones) with
 * members that are usually of the right name and type, and often wrong, extreme or missing. Whatever
 * comes in, the reply is a 200 or a 4xx in SQS's error shape with a query-code header, never a 5xx,
 * and the broker still answers. Long polls are capped at 0 s here, so every request answers at once.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { raw } from './sqs-client.js';

const RUNS = Number(process.env.SPOOL_FUZZ_RUNS ?? 60);
const QUEUES = ['jobs', 'dlq'];

const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(-1, 0, 1, 10, 11, 20, 21, 900, 901, 43_200, 43_201, 2 ** 53 + 2, 1e21, 0.5, '', '5', 'All', '__proto__', 'x'.repeat(300)),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 2 }),
);

/** Receipt handles of messages leased at the start, so that fuzzed deletes and changes can succeed. */
const liveHandles: string[] = [];

const queueUrl = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...QUEUES).map((q) => `http://127.0.0.1/000000000000/${q}`) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);
const typedAttribute = fc.record(
  {
    DataType: fc.constantFrom('String', 'Number', 'Binary', 'Number.int', 'Binary.x', 'Text', ''),
    StringValue: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('12', '-1.5e3', '1e200')),
    BinaryValue: fc.constantFrom('AQID', '***', ''),
  },
  { requiredKeys: [] },
);
const members: Record<string, fc.Arbitrary<unknown>> = {
  QueueName: fc.oneof(fc.constantFrom(...QUEUES, 'new', 'x.fifo', '1bad'), fc.string({ maxLength: 90 })),
  QueueUrl: queueUrl,
  QueueNamePrefix: fc.string({ maxLength: 5 }),
  MaxResults: fc.integer({ min: -1, max: 1001 }),
  NextToken: fc.string({ maxLength: 20 }),
  Attributes: fc.dictionary(
    fc.constantFrom('VisibilityTimeout', 'DelaySeconds', 'ReceiveMessageWaitTimeSeconds', 'MessageRetentionPeriod', 'MaximumMessageSize', 'RedrivePolicy', 'FifoQueue', 'Policy', 'QueueArn', 'Nope'),
    fc.oneof(fc.integer({ min: -1, max: 2_000_000 }).map(String), fc.constantFrom('', '{', '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:0:dlq","maxReceiveCount":3}')),
    { maxKeys: 3 },
  ),
  AttributeNames: fc.array(fc.constantFrom('All', 'QueueArn', 'VisibilityTimeout', 'ApproximateReceiveCount', 'Nope'), { maxLength: 3 }),
  MessageSystemAttributeNames: fc.array(fc.constantFrom('All', 'SentTimestamp', 'AWSTraceHeader', 'Nope'), { maxLength: 3 }),
  MessageAttributeNames: fc.array(fc.constantFrom('All', '.*', 'a.*', 'a'), { maxLength: 3 }),
  MessageBody: fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), fc.string({ unit: 'binary', maxLength: 10 })),
  DelaySeconds: fc.integer({ min: -1, max: 901 }),
  MessageAttributes: fc.dictionary(fc.oneof(fc.constantFrom('a', 'a.b', 'AWS.x', 'a..b', '.a'), fc.string({ maxLength: 8 })), typedAttribute, { maxKeys: 3 }),
  MessageSystemAttributes: fc.dictionary(fc.constantFrom('AWSTraceHeader', 'Other'), typedAttribute, { maxKeys: 1 }),
  MessageDeduplicationId: fc.string({ maxLength: 10 }),
  MaxNumberOfMessages: fc.integer({ min: 0, max: 11 }),
  WaitTimeSeconds: fc.integer({ min: 0, max: 21 }),
  VisibilityTimeout: fc.integer({ min: -1, max: 43_201 }),
  ReceiptHandle: fc.oneof(fc.integer({ min: 0, max: 3 }).map((i) => liveHandles[i] ?? '1.1'), fc.string({ maxLength: 20 })),
  tags: fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 1 }),
};
const entry = fc.record({ Id: fc.oneof(fc.constantFrom('a', 'b', 'a b', ''), fc.string({ maxLength: 5 })), ...members }, { requiredKeys: [] });
const body = fc.oneof(
  { weight: 8, arbitrary: fc.record({ ...members, Entries: fc.array(fc.oneof(entry, weird), { maxLength: 12 }) }, { requiredKeys: [] }) },
  { weight: 2, arbitrary: fc.dictionary(fc.constantFrom(...Object.keys(members), 'Entries'), weird, { maxKeys: 3 }) },
  { weight: 1, arbitrary: weird },
);

const ACTIONS = [
  'CreateQueue', 'GetQueueUrl', 'ListQueues', 'DeleteQueue', 'PurgeQueue', 'GetQueueAttributes', 'SetQueueAttributes',
  'ListDeadLetterSourceQueues', 'SendMessage', 'SendMessageBatch', 'ReceiveMessage', 'DeleteMessage', 'DeleteMessageBatch',
  'ChangeMessageVisibility', 'ChangeMessageVisibilityBatch', 'TagQueue', 'StartMessageMoveTask', 'Nothing',
];

describe('fuzzing the SQS endpoint', () => {
  /** A broker of its own per action, with two queues and some messages leased (their handles in liveHandles). */
  async function broker(): Promise<TestServer> {
    const server = await startTestServer({ durability: 'process', limits: { longPollMaxSeconds: 0 } });
    for (const name of QUEUES) await server.engine.createQueue(name);
    await server.engine.sendBatch('jobs', Array.from({ length: 8 }, (_, i) => ({ body: `m${i}` })));
    const leased = await server.engine.receiveBatch('jobs', { max: 4, waitSeconds: 0 });
    liveHandles.splice(0, liveHandles.length, ...leased.map((m) => m.receiptHandle));
    return server;
  }

  test.each(ACTIONS)('%s: a 200 or a 4xx in SQS shape, never a 5xx', async (action) => {
    const { url } = await broker();
    await fc.assert(
      fc.asyncProperty(body, async (input) => {
        const reply = await raw(url, `AmazonSQS.${action}`, input);
        const inShape = /^com\.amazonaws\.sqs#[A-Za-z]+$/.test(reply.body?.__type) && /;Sender$/.test(reply.headers.get('x-amzn-query-error') ?? '');
        if (reply.status >= 500 || (reply.status !== 200 && !inShape)) {
          throw new Error(`${action} ${JSON.stringify(input).slice(0, 300)} → ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
        }
      }),
      { numRuns: RUNS },
    );
    expect((await raw(url, 'AmazonSQS.ListQueues', {})).status).toBe(200);
  });
});
