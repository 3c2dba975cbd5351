/**
 * The wire protocol of the SQS endpoint over raw HTTP: reply headers, error shapes, and malformed
 * requests, each a 4xx in SQS's error shape, never a 5xx, a crash or a hang. Plus the actions
 * Spool does not offer, through the SDK.
 */
import {
  AddPermissionCommand,
  ListQueueTagsCommand,
  StartMessageMoveTaskCommand,
  TagQueueCommand,
  UnsupportedOperation,
} from '@aws-sdk/client-sqs';
import { request as httpRequest } from 'node:http';
import { describe, expect, test } from 'vitest';
import { api } from '../helpers/server.js';
import { AMZ_JSON, raw, startSqsBroker } from './sqs-client.js';

const MiB = 1024 * 1024;

describe('replies', () => {
  test('success: 200, AWS JSON content type, a request id; the path is not what routes', async () => {
    const { url } = await startSqsBroker();
    const reply = await raw(url, 'AmazonSQS.CreateQueue', { QueueName: 'jobs' });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe(AMZ_JSON);
    expect(reply.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(reply.body).toEqual({ QueueUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/000000000000\/jobs$/) });
    const listed = await raw(url, 'AmazonSQS.ListQueues', '');
    expect(listed.body.QueueUrls).toEqual([reply.body.QueueUrl]);
  });

  test('queue URLs follow the Host header', async () => {
    const { port } = await startSqsBroker();
    // fetch will not send another Host: node:http does.
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { host: 'queues.example:8080', 'content-type': AMZ_JSON, 'x-amz-target': 'AmazonSQS.CreateQueue' } }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text));
      });
      req.on('error', reject).end(JSON.stringify({ QueueName: 'jobs' }));
    });
    expect(JSON.parse(body).QueueUrl).toBe('http://queues.example:8080/000000000000/jobs');
  });

  test('errors: the shape in __type, a message, the query code header, the status', async () => {
    const { url } = await startSqsBroker();
    const reply = await raw(url, 'AmazonSQS.GetQueueUrl', { QueueName: 'nope' });
    expect(reply.status).toBe(400);
    expect(reply.headers.get('content-type')).toBe(AMZ_JSON);
    expect(reply.headers.get('x-amzn-query-error')).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(reply.headers.get('x-amzn-requestid')).toMatch(/^[0-9a-f-]{36}$/);
    expect(reply.body).toEqual({ __type: 'com.amazonaws.sqs#QueueDoesNotExist', message: expect.stringContaining('nope') });
  });

  test('the native API is untouched: its routes, parser and error shape', async () => {
    const { url } = await startSqsBroker();
    expect((await api(url, 'POST', '/v1/queues', { name: 'jobs' })).status).toBe(201);
    const wrongType = await api(url, 'POST', '/v1/queues', '{"name": "x"}', { 'content-type': AMZ_JSON });
    expect([wrongType.status, wrongType.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const missing = await api(url, 'GET', '/');
    expect([missing.status, missing.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
    // A POST / without SQS's headers or content type is not an SQS request.
    const notSqs = await api(url, 'POST', '/', { QueueName: 'x' });
    expect([notSqs.status, notSqs.body.error.code]).toEqual([404, 'ROUTE_NOT_FOUND']);
  });
});

interface Case {
  name: string;
  target?: string | null;
  body: unknown;
  headers?: Record<string, string>;
  status: number;
  type: string;
}

const QUEUE_URL = 'http://127.0.0.1/000000000000/jobs';

const cases: Case[] = [
  { name: 'invalid JSON', target: 'AmazonSQS.ListQueues', body: '{"QueueNamePrefix": ', status: 400, type: 'InvalidParameterValue' },
  { name: 'a JSON array', target: 'AmazonSQS.ListQueues', body: '[]', status: 400, type: 'InvalidParameterValue' },
  { name: 'JSON null', target: 'AmazonSQS.ListQueues', body: 'null', status: 400, type: 'InvalidParameterValue' },
  { name: 'a __proto__ key', target: 'AmazonSQS.CreateQueue', body: '{"QueueName": "a", "__proto__": {"x": 1}}', status: 400, type: 'InvalidParameterValue' },
  { name: 'invalid UTF-8', target: 'AmazonSQS.CreateQueue', body: Buffer.concat([Buffer.from('{"QueueName": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), status: 400, type: 'InvalidParameterValue' },
  { name: 'no X-Amz-Target', target: null, body: {}, status: 400, type: 'InvalidAction' },
  { name: 'an unknown action', target: 'AmazonSQS.DoEverything', body: {}, status: 400, type: 'InvalidAction' },
  { name: 'another service\'s target', target: 'DynamoDB_20120810.ListTables', body: {}, status: 400, type: 'InvalidAction' },
  { name: 'a form-encoded (Query protocol) body', target: 'AmazonSQS.ListQueues', body: 'Action=ListQueues', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 400, type: 'InvalidParameterValue' },
  { name: 'another charset', target: 'AmazonSQS.ListQueues', body: '{}', headers: { 'content-type': `${AMZ_JSON}; charset=latin1` }, status: 400, type: 'InvalidParameterValue' },
  { name: 'a missing QueueName', target: 'AmazonSQS.CreateQueue', body: {}, status: 400, type: 'MissingParameter' },
  { name: 'a number for QueueName', target: 'AmazonSQS.CreateQueue', body: { QueueName: 5 }, status: 400, type: 'InvalidParameterValue' },
  { name: 'a number as an attribute value', target: 'AmazonSQS.CreateQueue', body: { QueueName: 'a', Attributes: { VisibilityTimeout: 30 } }, status: 400, type: 'InvalidParameterValue' },
  { name: 'a list for Attributes', target: 'AmazonSQS.CreateQueue', body: { QueueName: 'a', Attributes: ['x'] }, status: 400, type: 'InvalidParameterValue' },
  { name: 'a missing QueueUrl', target: 'AmazonSQS.SendMessage', body: { MessageBody: 'x' }, status: 400, type: 'MissingParameter' },
  { name: 'a QueueUrl without a name', target: 'AmazonSQS.SendMessage', body: { QueueUrl: 'http://host/', MessageBody: 'x' }, status: 404, type: 'InvalidAddress' },
  { name: 'a missing MessageBody', target: 'AmazonSQS.SendMessage', body: { QueueUrl: QUEUE_URL }, status: 400, type: 'MissingParameter' },
  { name: 'an object for MessageBody', target: 'AmazonSQS.SendMessage', body: { QueueUrl: QUEUE_URL, MessageBody: { a: 1 } }, status: 400, type: 'InvalidParameterValue' },
  { name: 'a string for DelaySeconds', target: 'AmazonSQS.SendMessage', body: { QueueUrl: QUEUE_URL, MessageBody: 'x', DelaySeconds: '5' }, status: 400, type: 'InvalidParameterValue' },
  { name: 'a fractional MaxNumberOfMessages', target: 'AmazonSQS.ReceiveMessage', body: { QueueUrl: QUEUE_URL, MaxNumberOfMessages: 1.5 }, status: 400, type: 'InvalidParameterValue' },
  { name: 'a huge WaitTimeSeconds', target: 'AmazonSQS.ReceiveMessage', body: `{"QueueUrl": "${QUEUE_URL}", "WaitTimeSeconds": 1e400}`, status: 400, type: 'InvalidParameterValue' },
  { name: 'VisibilityTimeout 0 on receive (SQS allows it, Spool does not)', target: 'AmazonSQS.ReceiveMessage', body: { QueueUrl: QUEUE_URL, VisibilityTimeout: 0 }, status: 400, type: 'InvalidParameterValue' },
  { name: 'a string for AttributeNames', target: 'AmazonSQS.GetQueueAttributes', body: { QueueUrl: QUEUE_URL, AttributeNames: 'All' }, status: 400, type: 'InvalidParameterValue' },
  { name: 'an unknown message system attribute', target: 'AmazonSQS.ReceiveMessage', body: { QueueUrl: QUEUE_URL, MessageSystemAttributeNames: ['Colour'] }, status: 400, type: 'InvalidAttributeName' },
  { name: 'a string for Entries', target: 'AmazonSQS.DeleteMessageBatch', body: { QueueUrl: QUEUE_URL, Entries: 'x' }, status: 400, type: 'InvalidParameterValue' },
  { name: 'a number as an entry', target: 'AmazonSQS.DeleteMessageBatch', body: { QueueUrl: QUEUE_URL, Entries: [1] }, status: 400, type: 'InvalidParameterValue' },
  { name: 'an entry without an Id', target: 'AmazonSQS.DeleteMessageBatch', body: { QueueUrl: QUEUE_URL, Entries: [{ ReceiptHandle: '1.a' }] }, status: 400, type: 'InvalidBatchEntryId' },
  { name: 'a missing VisibilityTimeout', target: 'AmazonSQS.ChangeMessageVisibility', body: { QueueUrl: QUEUE_URL, ReceiptHandle: '1.a' }, status: 400, type: 'MissingParameter' },
  { name: 'a message attribute that is not an object', target: 'AmazonSQS.SendMessage', body: { QueueUrl: QUEUE_URL, MessageBody: 'x', MessageAttributes: { a: 'b' } }, status: 400, type: 'InvalidParameterValue' },
  { name: 'a message attribute without a DataType', target: 'AmazonSQS.SendMessage', body: { QueueUrl: QUEUE_URL, MessageBody: 'x', MessageAttributes: { a: { StringValue: 'b' } } }, status: 400, type: 'InvalidParameterValue' },
  { name: 'a system attribute other than AWSTraceHeader', target: 'AmazonSQS.SendMessage', body: { QueueUrl: QUEUE_URL, MessageBody: 'x', MessageSystemAttributes: { Foo: { DataType: 'String', StringValue: 'b' } } }, status: 400, type: 'InvalidParameterValue' },
  { name: 'a lone surrogate in a body', target: 'AmazonSQS.SendMessage', body: '{"QueueUrl": "http://h/0/jobs", "MessageBody": "\\ud800"}', status: 400, type: 'InvalidMessageContents' },
  { name: 'a request over the body limit', target: 'AmazonSQS.SendMessage', body: `{"QueueUrl": "${QUEUE_URL}", "MessageBody": "${'x'.repeat(21 * MiB)}"}`, status: 400, type: 'BatchRequestTooLong' },
];

describe('malformed requests', () => {
  test.each(cases)('$name → $status $type', async ({ target = 'AmazonSQS.ListQueues', body, headers, status, type }) => {
    const { url } = await startSqsBroker();
    await raw(url, 'AmazonSQS.CreateQueue', { QueueName: 'jobs' });
    const reply = await raw(url, target, body, headers);
    expect([reply.status, reply.body?.__type]).toEqual([status, `com.amazonaws.sqs#${type}`]);
    expect(reply.body.message).toEqual(expect.any(String));
    expect(reply.headers.get('x-amzn-query-error')).toMatch(/;Sender$/);
    // The broker still serves after each.
    expect((await raw(url, 'AmazonSQS.ListQueues', {})).status).toBe(200);
  });

  test('unknown members are ignored, as AWS does for newer clients', async () => {
    const { url } = await startSqsBroker();
    const reply = await raw(url, 'AmazonSQS.CreateQueue', { QueueName: 'jobs', SomeFutureMember: { x: 1 } });
    expect(reply.status).toBe(200);
  });

  test('a server with shorter long polls refuses a longer WaitTimeSeconds, naming its limit', async () => {
    const { url } = await startSqsBroker({ limits: { longPollMaxSeconds: 2 } });
    await raw(url, 'AmazonSQS.CreateQueue', { QueueName: 'jobs' });
    const reply = await raw(url, 'AmazonSQS.ReceiveMessage', { QueueUrl: QUEUE_URL, WaitTimeSeconds: 3 });
    expect([reply.status, reply.body.__type]).toEqual([400, 'com.amazonaws.sqs#InvalidParameterValue']);
    expect(reply.body.message).toMatch(/0 to 2 \(this server's limits.longPollMaxSeconds\)/);
  });

  test('a pending long poll answers at once, empty, when the server closes', async () => {
    const broker = await startSqsBroker();
    await raw(broker.url, 'AmazonSQS.CreateQueue', { QueueName: 'jobs' });
    const started = Date.now();
    const polling = raw(broker.url, 'AmazonSQS.ReceiveMessage', { QueueUrl: QUEUE_URL, WaitTimeSeconds: 20 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await broker.close();
    const reply = await polling;
    expect([reply.status, reply.body]).toEqual([200, {}]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('SigV4 signatures are not checked: any Authorization is accepted', async () => {
    const { url } = await startSqsBroker();
    const reply = await raw(url, 'AmazonSQS.ListQueues', {}, { authorization: 'AWS4-HMAC-SHA256 Credential=nobody/20200101/us-west-2/sqs/aws4_request, SignedHeaders=host, Signature=bad' });
    expect(reply.status).toBe(200);
  });
});

describe('actions Spool does not offer', () => {
  test.each([
    ['TagQueue', () => new TagQueueCommand({ QueueUrl: QUEUE_URL, Tags: { a: 'b' } }), /tags/],
    ['ListQueueTags', () => new ListQueueTagsCommand({ QueueUrl: QUEUE_URL }), /tags/],
    ['AddPermission', () => new AddPermissionCommand({ QueueUrl: QUEUE_URL, Label: 'l', AWSAccountIds: ['1'], Actions: ['SendMessage'] }), /IAM/],
    ['StartMessageMoveTask', () => new StartMessageMoveTaskCommand({ SourceArn: 'arn:aws:sqs:us-east-1:000000000000:jobs' }), /redrive/],
  ])('%s is UnsupportedOperation, saying why', async (_name, command, why) => {
    const { sqs } = await startSqsBroker();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const err = await sqs.send(command() as any).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsupportedOperation);
    expect(err).toMatchObject({ name: 'UnsupportedOperation', Code: 'AWS.SimpleQueueService.UnsupportedOperation', $metadata: { httpStatusCode: 400 } });
    expect((err as Error).message).toMatch(why);
  });
});
