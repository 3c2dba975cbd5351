/** The SQS message actions through an unmodified @aws-sdk/client-sqs (MD5 checks on) against a real broker. */
import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  EmptyBatchRequest,
  InvalidBatchEntryId,
  InvalidMessageContents,
  BatchEntryIdsNotDistinct,
  ReceiptHandleIsInvalid,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  TooManyEntriesInBatchRequest,
  UnsupportedOperation,
  type MessageAttributeValue,
} from '@aws-sdk/client-sqs';
import { createHash } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { api } from '../helpers/server.js';
import { startSqsBroker, type SqsBroker } from './sqs-client.js';

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

async function brokerWithQueue(attributes: Record<string, string> = {}): Promise<SqsBroker & { QueueUrl: string }> {
  const broker = await startSqsBroker();
  const { QueueUrl } = await broker.sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: attributes }));
  return { ...broker, QueueUrl: QueueUrl! };
}

describe('SendMessage and ReceiveMessage', () => {
  test('a body round-trips with its MD5; an empty queue answers no Messages', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const body = 'héllo ✓ 𝄞 {"json": true}\n\t';
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    expect(sent).toMatchObject({ MessageId: expect.any(String), MD5OfMessageBody: md5(body) });
    expect(sent.MD5OfMessageAttributes).toBeUndefined();
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    expect(Messages).toEqual([{ MessageId: sent.MessageId, ReceiptHandle: expect.any(String), MD5OfBody: md5(body), Body: body }]);
  });

  test('message attributes of every type round-trip, Binary included, with their MD5', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    const MessageAttributes: Record<string, MessageAttributeValue> = {
      name: { DataType: 'String', StringValue: 'Ada ✓' },
      price: { DataType: 'Number', StringValue: '-12.50' },
      'price.float': { DataType: 'Number.float', StringValue: '1e3' },
      photo: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 254, 255]) },
      'photo.jpeg': { DataType: 'Binary.jpeg', BinaryValue: new Uint8Array([9]) },
    };
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageAttributes }));
    expect(sent.MD5OfMessageAttributes).toMatch(/^[0-9a-f]{32}$/);
    const [message] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'] }))).Messages!;
    expect(message!.MessageAttributes).toEqual({
      name: { DataType: 'String', StringValue: 'Ada ✓' },
      price: { DataType: 'Number', StringValue: '-12.50' },
      'price.float': { DataType: 'Number.float', StringValue: '1e3' },
      photo: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 1, 254, 255]) },
      'photo.jpeg': { DataType: 'Binary.jpeg', BinaryValue: new Uint8Array([9]) },
    });
    expect(message!.MD5OfMessageAttributes).toBe(sent.MD5OfMessageAttributes);
  });

  test('MessageAttributeNames select attributes (and the MD5 covers those returned)', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    const MessageAttributes = {
      'order.id': { DataType: 'String', StringValue: '7' },
      'order.total': { DataType: 'Number', StringValue: '3' },
      other: { DataType: 'String', StringValue: 'x' },
    };
    for (let i = 0; i < 3; i++) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `m${i}`, MessageAttributes }));
    const [none] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages!;
    expect(none!.MessageAttributes).toBeUndefined();
    expect(none!.MD5OfMessageAttributes).toBeUndefined();
    const [prefixed] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['order.*'] }))).Messages!;
    expect(Object.keys(prefixed!.MessageAttributes!).sort()).toEqual(['order.id', 'order.total']);
    // What SendMessage reports for the subset alone, sent to another queue.
    const { QueueUrl: probe } = await sqs.send(new CreateQueueCommand({ QueueName: 'probe' }));
    const digestOfSubset = (await sqs.send(new SendMessageCommand({ QueueUrl: probe, MessageBody: 'p', MessageAttributes: { other: MessageAttributes.other } }))).MD5OfMessageAttributes;
    const [exact] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['other'] }))).Messages!;
    expect(exact!.MessageAttributes).toEqual({ other: { DataType: 'String', StringValue: 'x' } });
    expect(exact!.MD5OfMessageAttributes).toBe(digestOfSubset);
  });

  test('system attributes: SentTimestamp, ApproximateReceiveCount, ApproximateFirstReceiveTimestamp, AWSTraceHeader', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    const before = Date.now();
    const sent = await sqs.send(new SendMessageCommand({
      QueueUrl, MessageBody: 'x', MessageSystemAttributes: { AWSTraceHeader: { DataType: 'String', StringValue: 'Root=1-5759e988-bd862e3fe1be46a994272793' } },
    }));
    expect(sent.MD5OfMessageSystemAttributes).toMatch(/^[0-9a-f]{32}$/);
    const [first] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, VisibilityTimeout: 1, MessageSystemAttributeNames: ['All'] }))).Messages!;
    const attributes = first!.Attributes!;
    expect(Number(attributes.SentTimestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(Number(attributes.SentTimestamp));
    expect(attributes).toMatchObject({ ApproximateReceiveCount: '1', SenderId: '000000000000', AWSTraceHeader: 'Root=1-5759e988-bd862e3fe1be46a994272793' });
    // AttributeNames: the deprecated member, still honoured.
    const [second] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, AttributeNames: ['All'] }))).Messages!;
    expect(second!.Attributes).toMatchObject({ ApproximateReceiveCount: '2', ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp });
    // The trace header is SQS's system attribute, not a message attribute.
    expect(second!.MessageAttributes).toBeUndefined();
  });

  test('SQS attributes are readable natively: Strings as sent, other types named in sqs:dataTypes', async () => {
    const { sqs, QueueUrl, url } = await brokerWithQueue();
    await sqs.send(new SendMessageCommand({
      QueueUrl, MessageBody: 'x',
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' }, n: { DataType: 'Number', StringValue: '5' }, b: { DataType: 'Binary', BinaryValue: new Uint8Array([1]) } },
    }));
    const [native] = (await api(url, 'POST', '/v1/queues/jobs/messages/receive', { max: 1 })).body.messages;
    expect(native.attributes).toEqual({ kind: 'greeting', n: '5', b: 'AQ==', 'sqs:dataTypes': '{"n":"Number","b":"Binary"}' });
  });

  test('a natively sent message reads as SQS: its attributes as Strings', async () => {
    const { sqs, QueueUrl, url } = await brokerWithQueue();
    await api(url, 'POST', '/v1/queues/jobs/messages', { body: 'native', attributes: { kind: 'greeting' } });
    const [message] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MessageAttributeNames: ['All'] }))).Messages!;
    expect(message).toMatchObject({ Body: 'native', MessageAttributes: { kind: { DataType: 'String', StringValue: 'greeting' } } });
  });

  test('MaxNumberOfMessages takes up to 10; DelaySeconds keeps a message back', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    for (let i = 0; i < 12; i++) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: `m${i}` }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'later', DelaySeconds: 60 }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toHaveLength(1);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages).toHaveLength(10);
    const rest = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages!;
    expect(rest.map((m) => m.Body)).toEqual(['m11']);
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 11 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 21 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', DelaySeconds: 901 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  test('a long poll is woken by a send', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    const started = Date.now();
    const polling = sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'wake up' }));
    const { Messages } = await polling;
    expect(Messages?.[0]?.Body).toBe('wake up');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('a long poll with nothing sent ends empty after WaitTimeSeconds', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    const started = Date.now();
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1 }))).Messages).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  test('the queue\'s ReceiveMessageWaitTimeSeconds is the default wait', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue({ ReceiveMessageWaitTimeSeconds: '1' });
    const started = Date.now();
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  test.each([
    ['a NUL', 'a\u0000b'],
    ['a control character', 'bell\u0007'],
    ['U+FFFE', 'x\uFFFE'],
  ])('a body with %s is InvalidMessageContents', async (_what, body) => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    const err = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidMessageContents);
    expect(err).toMatchObject({ Code: 'InvalidMessageContents', $metadata: { httpStatusCode: 400 } });
  });

  test('body and attributes together must fit MaximumMessageSize', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue({ MaximumMessageSize: '1024' });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(1024) }));
    const err = await sqs.send(new SendMessageCommand({
      QueueUrl, MessageBody: 'x'.repeat(1000), MessageAttributes: { pad: { DataType: 'String', StringValue: 'y'.repeat(30) } },
    })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InvalidParameterValue', message: expect.stringMatching(/MaximumMessageSize is 1024/) });
  });

  test('MessageDeduplicationId deduplicates as Spool does; MessageGroupId is UnsupportedOperation', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    const first = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageDeduplicationId: 'order-1' }));
    const second = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageDeduplicationId: 'order-1' }));
    expect(second.MessageId).toBe(first.MessageId);
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages).toHaveLength(1);
    await expect(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x', MessageGroupId: 'g' }))).rejects.toBeInstanceOf(UnsupportedOperation);
  });
});

describe('SendMessageBatch', () => {
  test('all entries succeed, each with its MD5s, in one commit', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    const { Successful, Failed } = await sqs.send(new SendMessageBatchCommand({
      QueueUrl,
      Entries: [
        { Id: 'a', MessageBody: 'first' },
        { Id: 'b_2', MessageBody: 'second', MessageAttributes: { k: { DataType: 'String', StringValue: 'v' } } },
      ],
    }));
    expect(Failed).toEqual([]);
    expect(Successful).toEqual([
      { Id: 'a', MessageId: expect.any(String), MD5OfMessageBody: md5('first') },
      { Id: 'b_2', MessageId: expect.any(String), MD5OfMessageBody: md5('second'), MD5OfMessageAttributes: expect.stringMatching(/^[0-9a-f]{32}$/) },
    ]);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(Messages?.map((m) => m.Body)).toEqual(['first', 'second']);
  });

  test('partial failure: a 200 with the bad entries in Failed and the good ones stored', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    const reply = await sqs.send(new SendMessageBatchCommand({
      QueueUrl,
      Entries: [
        { Id: 'ok1', MessageBody: 'fine' },
        { Id: 'bad-body', MessageBody: 'nul\u0000' },
        { Id: 'bad-delay', MessageBody: 'x', DelaySeconds: 1000 },
        { Id: 'ok2', MessageBody: 'also fine' },
      ],
    }));
    expect(reply.$metadata.httpStatusCode).toBe(200);
    expect(reply.Successful?.map((s) => s.Id)).toEqual(['ok1', 'ok2']);
    expect(reply.Failed).toEqual([
      { Id: 'bad-body', SenderFault: true, Code: 'InvalidMessageContents', Message: expect.any(String) },
      { Id: 'bad-delay', SenderFault: true, Code: 'InvalidParameterValue', Message: expect.stringMatching(/DelaySeconds/) },
    ]);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(Messages?.map((m) => m.Body)).toEqual(['fine', 'also fine']);
  });

  test('a full backlog fails every entry with OverLimit', async () => {
    const { sqs, QueueUrl, engine } = await brokerWithQueue();
    await engine.setQueueAttributes('jobs', { maxMsgHeapNum: 1 });
    const { Successful, Failed } = await sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'a' }, { Id: 'b', MessageBody: 'b' }] }));
    expect(Successful).toEqual([]);
    expect(Failed?.map((f) => [f.Id, f.Code, f.SenderFault])).toEqual([['a', 'OverLimit', true], ['b', 'OverLimit', true]]);
  });

  test('batch rules: empty, more than 10, a bad Id, repeated Ids, more than 1 MiB together', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [] }))).rejects.toBeInstanceOf(EmptyBatchRequest);
    const eleven = Array.from({ length: 11 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x' }));
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: eleven }))).rejects.toBeInstanceOf(TooManyEntriesInBatchRequest);
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'no spaces', MessageBody: 'x' }] }))).rejects.toBeInstanceOf(InvalidBatchEntryId);
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: [{ Id: 'a', MessageBody: 'x' }, { Id: 'a', MessageBody: 'y' }] }))).rejects.toBeInstanceOf(BatchEntryIdsNotDistinct);
    const big = Array.from({ length: 3 }, (_, i) => ({ Id: `m${i}`, MessageBody: 'x'.repeat(400_000) }));
    await expect(sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: big }))).rejects.toMatchObject({ name: 'BatchRequestTooLong' });
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
  });
});

describe('DeleteMessage and ChangeMessageVisibility', () => {
  test('a deleted message is gone; deleting it again is ReceiptHandleIsInvalid', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue({ VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    const [message] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages!;
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message!.ReceiptHandle }));
    const err = await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message!.ReceiptHandle })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReceiptHandleIsInvalid);
    expect(err).toMatchObject({ Code: 'ReceiptHandleIsInvalid', $metadata: { httpStatusCode: 404 } });
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 }))).Messages).toBeUndefined();
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'not-a-handle' }))).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
  });

  test('an undeleted message comes back after its visibility timeout, with a new handle', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue({ VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    const [first] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages!;
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
    const [again] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }))).Messages!;
    expect(again!.MessageId).toBe(first!.MessageId);
    expect(again!.ReceiptHandle).not.toBe(first!.ReceiptHandle);
    // The first delivery's handle is stale now.
    await expect(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first!.ReceiptHandle }))).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: again!.ReceiptHandle }));
  });

  test('ChangeMessageVisibility extends a lease, and 0 makes the message receivable at once', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue({ VisibilityTimeout: '1' });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' }));
    const [message] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages!;
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: message!.ReceiptHandle, VisibilityTimeout: 60 }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 2 }))).Messages).toBeUndefined();
    await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: message!.ReceiptHandle, VisibilityTimeout: 0 }));
    const [back] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages!;
    expect(back!.MessageId).toBe(message!.MessageId);
    await expect(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: message!.ReceiptHandle, VisibilityTimeout: 5 }))).rejects.toBeInstanceOf(ReceiptHandleIsInvalid);
    await expect(sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl, ReceiptHandle: back!.ReceiptHandle, VisibilityTimeout: 43_201 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  test('DeleteMessageBatch and ChangeMessageVisibilityBatch settle each entry on its own', async () => {
    const { sqs, QueueUrl } = await brokerWithQueue();
    for (const body of ['a', 'b', 'c']) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    const [a, b, c] = (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 3 }))).Messages!;
    const changed = await sqs.send(new ChangeMessageVisibilityBatchCommand({
      QueueUrl,
      Entries: [
        { Id: 'a', ReceiptHandle: a!.ReceiptHandle, VisibilityTimeout: 0 },
        { Id: 'bogus', ReceiptHandle: '1.zzz', VisibilityTimeout: 0 },
      ],
    }));
    expect(changed.Successful).toEqual([{ Id: 'a' }]);
    expect(changed.Failed).toEqual([{ Id: 'bogus', SenderFault: true, Code: 'ReceiptHandleIsInvalid', Message: expect.any(String) }]);
    const deleted = await sqs.send(new DeleteMessageBatchCommand({
      QueueUrl,
      Entries: [
        { Id: 'b', ReceiptHandle: b!.ReceiptHandle },
        { Id: 'c', ReceiptHandle: c!.ReceiptHandle },
        { Id: 'stale', ReceiptHandle: a!.ReceiptHandle },
      ],
    }));
    expect(deleted.Successful).toEqual([{ Id: 'b' }, { Id: 'c' }]);
    expect(deleted.Failed?.map((f) => [f.Id, f.Code])).toEqual([['stale', 'ReceiptHandleIsInvalid']]);
    const { Messages } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(Messages?.map((m) => m.Body)).toEqual(['a']);
  });
});
