/** Pure units of the SQS endpoint: MD5 digests, queue URL and ARN reading, the attribute encoding. */
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { SqsError } from '../../core/server/compat/sqs/errors.js';
import { md5OfAttributes, md5OfBody } from '../../core/server/compat/sqs/md5.js';
import { fromSpoolAttributes, readMessageAttributes, selectAttributes, toSpoolAttributes } from '../../core/server/compat/sqs/message-attributes.js';
import { hostOf, queueOf, queueOfArn, regionOf } from '../../core/server/compat/sqs/naming.js';

function shapeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof SqsError) return err.shape;
    throw err;
  }
  return 'no error';
}

describe('MD5', () => {
  test('of a body: the hex MD5 of its UTF-8 bytes', () => {
    expect(md5OfBody('hello')).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(md5OfBody('é')).toBe(createHash('md5').update(Buffer.from([0xc3, 0xa9])).digest('hex'));
  });

  test("of message attributes: the reference's test vector", () => {
    expect(md5OfAttributes({ attribName1: { DataType: 'String', StringValue: 'attribValue 1' } })).toBe('19e27d4e946b072f3f58da80d94fd778');
  });

  test('names are sorted, Binary has transport byte 2 and hashes the decoded bytes', () => {
    const bytes = Buffer.concat([
      Buffer.from([0, 0, 0, 1]), Buffer.from('a'), Buffer.from([0, 0, 0, 6]), Buffer.from('Binary'), Buffer.from([2]), Buffer.from([0, 0, 0, 3, 1, 2, 3]),
      Buffer.from([0, 0, 0, 1]), Buffer.from('b'), Buffer.from([0, 0, 0, 6]), Buffer.from('Number'), Buffer.from([1]), Buffer.from([0, 0, 0, 2]), Buffer.from('42'),
    ]);
    const expected = createHash('md5').update(bytes).digest('hex');
    const attributes = { b: { DataType: 'Number', StringValue: '42' }, a: { DataType: 'Binary', BinaryValue: Buffer.from([1, 2, 3]).toString('base64') } };
    expect(md5OfAttributes(attributes)).toBe(expected);
  });

  test('no attributes: no digest', () => {
    expect(md5OfAttributes({})).toBeUndefined();
  });
});

describe('queue URLs, ARNs, hosts and regions', () => {
  test.each([
    'http://127.0.0.1:7878/000000000000/jobs',
    'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs',
    'http://localhost:9324/queue/jobs/',
    '/000000000000/jobs',
    'jobs',
  ])('%s names the queue jobs', (url) => {
    expect(queueOf({ QueueUrl: url })).toBe('jobs');
  });

  test('a URL without a name is InvalidAddress; a name Spool cannot have is QueueDoesNotExist; none is MissingParameter', () => {
    expect(shapeOf(() => queueOf({ QueueUrl: 'http://host:1/' }))).toBe('InvalidAddress');
    expect(shapeOf(() => queueOf({ QueueUrl: 'http://host:1/000000000000/q.fifo' }))).toBe('QueueDoesNotExist');
    expect(shapeOf(() => queueOf({}))).toBe('MissingParameter');
    expect(shapeOf(() => queueOf({ QueueUrl: 7 }))).toBe('InvalidParameterValue');
  });

  test('ARNs name a queue by their last part; other ARNs name none', () => {
    expect(queueOfArn('arn:aws:sqs:us-east-1:000000000000:jobs-dlq')).toBe('jobs-dlq');
    expect(queueOfArn('arn:aws:sns:us-east-1:000000000000:topic')).toBeNull();
    expect(queueOfArn('jobs-dlq')).toBeNull();
  });

  test('the region comes from the SigV4 credential scope, else us-east-1', () => {
    const auth = 'AWS4-HMAC-SHA256 Credential=x/20260101/eu-central-1/sqs/aws4_request, SignedHeaders=host, Signature=00';
    expect(regionOf(auth)).toBe('eu-central-1');
    expect(regionOf(undefined)).toBe('us-east-1');
    expect(regionOf('Bearer abc')).toBe('us-east-1');
  });

  test('a Host header that is not host[:port] does not reach a URL', () => {
    expect(hostOf('127.0.0.1:7878')).toBe('127.0.0.1:7878');
    expect(hostOf('[::1]:7878')).toBe('[::1]:7878');
    expect(hostOf('evil.com/path?x=')).toBe('localhost');
  });
});

describe('message attributes in Spool', () => {
  const typed = readMessageAttributes({
    name: { DataType: 'String', StringValue: 'Ada' },
    price: { DataType: 'Number.float', StringValue: '12.50' },
    photo: { DataType: 'Binary', BinaryValue: Buffer.from([0, 255]).toString('base64') },
  });

  test('String values stay as they are; other types are listed in sqs:dataTypes; all round-trip', () => {
    const stored = toSpoolAttributes(typed, 'Root=1-abc')!;
    expect(stored).toEqual({
      name: 'Ada',
      price: '12.50',
      photo: 'AP8=',
      'sqs:dataTypes': JSON.stringify({ price: 'Number.float', photo: 'Binary' }),
      'sqs:AWSTraceHeader': 'Root=1-abc',
    });
    expect(fromSpoolAttributes(stored)).toEqual({ attributes: typed, traceHeader: 'Root=1-abc' });
  });

  test('a natively sent attribute reads as a String; a garbled sqs:dataTypes is ignored', () => {
    expect(fromSpoolAttributes({ kind: 'greeting', 'sqs:dataTypes': '{not json' }).attributes).toEqual({ kind: { DataType: 'String', StringValue: 'greeting' } });
  });

  test('a stored "Binary" that is not base64 reads as a String, so the client can decode the reply', () => {
    expect(fromSpoolAttributes({ b: 'not base64!', 'sqs:dataTypes': '{"b":"Binary"}' }).attributes).toEqual({ b: { DataType: 'String', StringValue: 'not base64!' } });
  });

  test('MessageAttributeNames select by All, .*, prefix.* and exact name', () => {
    const attributes = readMessageAttributes({
      'order.id': { DataType: 'String', StringValue: '1' },
      'order.total': { DataType: 'Number', StringValue: '2' },
      other: { DataType: 'String', StringValue: '3' },
    });
    expect(Object.keys(selectAttributes(attributes, ['All']))).toHaveLength(3);
    expect(Object.keys(selectAttributes(attributes, ['.*']))).toHaveLength(3);
    expect(Object.keys(selectAttributes(attributes, ['order.*'])).sort()).toEqual(['order.id', 'order.total']);
    expect(Object.keys(selectAttributes(attributes, ['other', 'missing']))).toEqual(['other']);
    expect(selectAttributes(attributes, [])).toEqual({});
  });

  test.each([
    ['a bad name character', { 'a b': { DataType: 'String', StringValue: 'x' } }],
    ['an AWS. name', { 'aws.thing': { DataType: 'String', StringValue: 'x' } }],
    ['a doubled dot', { 'a..b': { DataType: 'String', StringValue: 'x' } }],
    ['a name past Spool\'s 128 characters', { ['n'.repeat(129)]: { DataType: 'String', StringValue: 'x' } }],
    ['an unknown DataType', { a: { DataType: 'Text', StringValue: 'x' } }],
    ['an empty value', { a: { DataType: 'String', StringValue: '' } }],
    ['a non-number Number', { a: { DataType: 'Number', StringValue: '12abc' } }],
    ['a Number past 10^126', { a: { DataType: 'Number', StringValue: '1e127' } }],
    ['a Binary that is not base64', { a: { DataType: 'Binary', BinaryValue: '***' } }],
    ['a String with a NUL', { a: { DataType: 'String', StringValue: 'a\u0000b' } }],
    ['a value past Spool\'s 4096 characters', { a: { DataType: 'String', StringValue: 'v'.repeat(4097) } }],
    ['eleven attributes', Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'x' }]))],
  ])('%s is InvalidParameterValue', (_name, attributes) => {
    expect(shapeOf(() => readMessageAttributes(attributes))).toBe('InvalidParameterValue');
  });
});
