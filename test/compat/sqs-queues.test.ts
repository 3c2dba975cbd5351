/** The SQS queue actions through an unmodified @aws-sdk/client-sqs against a real broker. */
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  InvalidAttributeName,
  InvalidAttributeValue,
  ListDeadLetterSourceQueuesCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  UnsupportedOperation,
} from '@aws-sdk/client-sqs';
import { describe, expect, test } from 'vitest';
import { startSqsBroker } from './sqs-client.js';

describe('CreateQueue, GetQueueUrl, DeleteQueue', () => {
  test('create returns the queue URL; the same name and attributes again returns it too', async () => {
    const { sqs, urlOf, engine } = await startSqsBroker();
    const created = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { VisibilityTimeout: '60' } }));
    expect(created.QueueUrl).toBe(urlOf('jobs'));
    expect(created.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await engine.getQueue('jobs')).attributes.visibilityTimeout).toBe(60);
    const again = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { VisibilityTimeout: '60' } }));
    expect(again.QueueUrl).toBe(urlOf('jobs'));
  });

  test('the same name with other attributes is QueueNameExists', async () => {
    const { sqs } = await startSqsBroker();
    await sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { VisibilityTimeout: '60' } }));
    const err = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueNameExists);
    expect(err).toMatchObject({ name: 'QueueNameExists', Code: 'QueueAlreadyExists', $metadata: { httpStatusCode: 400 } });
  });

  test('GetQueueUrl finds a queue; a missing one is QueueDoesNotExist with its query code', async () => {
    const { sqs, urlOf } = await startSqsBroker();
    await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    expect((await sqs.send(new GetQueueUrlCommand({ QueueName: 'jobs' }))).QueueUrl).toBe(urlOf('jobs'));
    const err = await sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QueueDoesNotExist);
    expect(err).toMatchObject({ name: 'QueueDoesNotExist', Code: 'AWS.SimpleQueueService.NonExistentQueue', Type: 'Sender', $fault: 'client' });
  });

  test('DeleteQueue removes the queue; using it afterwards is QueueDoesNotExist', async () => {
    const { sqs, urlOf } = await startSqsBroker();
    await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    await sqs.send(new DeleteQueueCommand({ QueueUrl: urlOf('jobs') }));
    await expect(sqs.send(new SendMessageCommand({ QueueUrl: urlOf('jobs'), MessageBody: 'x' }))).rejects.toBeInstanceOf(QueueDoesNotExist);
    await expect(sqs.send(new DeleteQueueCommand({ QueueUrl: urlOf('jobs') }))).rejects.toBeInstanceOf(QueueDoesNotExist);
  });

  test('a queue URL of another host, port or account still names the queue', async () => {
    const { sqs } = await startSqsBroker();
    await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    await sqs.send(new SendMessageCommand({ QueueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs', MessageBody: 'x' }));
    const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl: 'http://localhost:9324/000000000000/jobs' }));
    expect(got.Messages?.[0]?.Body).toBe('x');
  });

  test('FIFO queues and tags are UnsupportedOperation; FifoQueue=false is a standard queue', async () => {
    const { sqs, urlOf } = await startSqsBroker();
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'jobs.fifo' }))).rejects.toBeInstanceOf(UnsupportedOperation);
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { FifoQueue: 'true' } }))).rejects.toBeInstanceOf(UnsupportedOperation);
    await expect(sqs.send(new CreateQueueCommand({ QueueName: 'jobs', tags: { team: 'a' } }))).rejects.toBeInstanceOf(UnsupportedOperation);
    expect((await sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { FifoQueue: 'false' } }))).QueueUrl).toBe(urlOf('jobs'));
  });

  test("a name outside Spool's alphabet is refused", async () => {
    const { sqs } = await startSqsBroker();
    const err = await sqs.send(new CreateQueueCommand({ QueueName: '1jobs' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InvalidParameterValue', $metadata: { httpStatusCode: 400 } });
  });
});

describe('ListQueues', () => {
  test('filters by prefix and pages with MaxResults and NextToken', async () => {
    const { sqs, urlOf } = await startSqsBroker();
    for (const name of ['a1', 'a2', 'a3', 'b1']) await sqs.send(new CreateQueueCommand({ QueueName: name }));
    expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls).toEqual(['a1', 'a2', 'a3', 'b1'].map(urlOf));
    const first = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'a', MaxResults: 2 }));
    expect(first.QueueUrls).toEqual([urlOf('a1'), urlOf('a2')]);
    expect(first.NextToken).toEqual(expect.any(String));
    const second = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'a', MaxResults: 2, NextToken: first.NextToken }));
    expect(second.QueueUrls).toEqual([urlOf('a3')]);
    expect(second.NextToken).toBeUndefined();
  });

  test('MaxResults outside 1-1000 and a foreign NextToken are refused', async () => {
    const { sqs } = await startSqsBroker();
    await expect(sqs.send(new ListQueuesCommand({ MaxResults: 1001 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(sqs.send(new ListQueuesCommand({ MaxResults: 0 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(sqs.send(new ListQueuesCommand({ NextToken: 'bm9wZQ' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });
});

describe('GetQueueAttributes and SetQueueAttributes', () => {
  test('All: the ARN, counts from the engine, timestamps in seconds, and the settings', async () => {
    const { sqs, urlOf } = await startSqsBroker();
    const before = Math.floor(Date.now() / 1000);
    await sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { DelaySeconds: '0', MaximumMessageSize: '2048' } }));
    const QueueUrl = urlOf('jobs');
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'a' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'b' }));
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'c', DelaySeconds: 60 }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(Attributes).toMatchObject({
      QueueArn: 'arn:aws:sqs:us-east-1:000000000000:jobs',
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
      ApproximateNumberOfMessagesDelayed: '1',
      VisibilityTimeout: '30',
      DelaySeconds: '0',
      ReceiveMessageWaitTimeSeconds: '0',
      MessageRetentionPeriod: '345600',
      MaximumMessageSize: '2048',
    });
    expect(Number(Attributes!.CreatedTimestamp)).toBeGreaterThanOrEqual(before);
    expect(Number(Attributes!.CreatedTimestamp)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(Attributes!.LastModifiedTimestamp).toBe(Attributes!.CreatedTimestamp);
  });

  test('named attributes only; the ARN region is the one the client signed for', async () => {
    const { sqs, urlOf, url } = await startSqsBroker();
    await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: urlOf('jobs'), AttributeNames: ['VisibilityTimeout', 'Policy'] }));
    expect(Attributes).toEqual({ VisibilityTimeout: '30' });
    const { SQSClient } = await import('@aws-sdk/client-sqs');
    const eu = new SQSClient({ endpoint: url, region: 'eu-west-3', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
    const arn = await eu.send(new GetQueueAttributesCommand({ QueueUrl: urlOf('jobs'), AttributeNames: ['QueueArn'] }));
    eu.destroy();
    expect(arn.Attributes).toEqual({ QueueArn: 'arn:aws:sqs:eu-west-3:000000000000:jobs' });
  });

  test('SetQueueAttributes changes the named settings and keeps the others', async () => {
    const { sqs, urlOf, engine } = await startSqsBroker();
    await sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { DelaySeconds: '5' } }));
    await sqs.send(new SetQueueAttributesCommand({
      QueueUrl: urlOf('jobs'),
      Attributes: { VisibilityTimeout: '120', ReceiveMessageWaitTimeSeconds: '20', MessageRetentionPeriod: '1209600', MaximumMessageSize: '1024' },
    }));
    expect((await engine.getQueue('jobs')).attributes).toMatchObject({
      visibilityTimeout: 120, pollingWaitSeconds: 20, msgRetentionSeconds: 1_209_600, maxMsgSize: 1024, delaySeconds: 5,
    });
  });

  test.each([
    ['VisibilityTimeout', '0', /1 to 43200/],
    ['VisibilityTimeout', '43201', /1 to 43200/],
    ['DelaySeconds', '901', /0 to 900/],
    ['ReceiveMessageWaitTimeSeconds', '21', /0 to 20/],
    ['MessageRetentionPeriod', '59', /60 to 1209600/],
    ['MessageRetentionPeriod', '1209601', /60 to 1209600/],
    ['MaximumMessageSize', '1023', /1024 to 1048576/],
    ['MaximumMessageSize', '1048577', /1024 to 1048576/],
    ['DelaySeconds', 'ten', /0 to 900/],
    ['RedrivePolicy', '{', /JSON/],
    ['RedrivePolicy', '{"deadLetterTargetArn":"arn:aws:sqs:us-east-1:000000000000:dlq","maxReceiveCount":1001}', /1 to 1000/],
  ])('%s=%s is InvalidAttributeValue naming the accepted range', async (name, value, message) => {
    const { sqs, urlOf } = await startSqsBroker();
    await sqs.send(new CreateQueueCommand({ QueueName: 'dlq' }));
    const err = await sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { [name]: value } })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidAttributeValue);
    expect((err as Error).message).toMatch(message);
    await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    await expect(sqs.send(new SetQueueAttributesCommand({ QueueUrl: urlOf('jobs'), Attributes: { [name]: value } }))).rejects.toBeInstanceOf(InvalidAttributeValue);
  });

  test('unknown, read-only and unsupported attributes are InvalidAttributeName', async () => {
    const { sqs, urlOf } = await startSqsBroker();
    await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    const QueueUrl = urlOf('jobs');
    for (const name of ['Colour', 'QueueArn', 'ApproximateNumberOfMessages', 'Policy', 'KmsMasterKeyId', 'SqsManagedSseEnabled']) {
      const err = await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { [name]: '1' } })).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(InvalidAttributeName);
    }
    await expect(sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Colour' as 'All'] }))).rejects.toBeInstanceOf(InvalidAttributeName);
    await expect(sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { ContentBasedDeduplication: 'true' } }))).rejects.toBeInstanceOf(UnsupportedOperation);
  });
});

describe('PurgeQueue', () => {
  test('removes every message', async () => {
    const { sqs, urlOf } = await startSqsBroker();
    await sqs.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    const QueueUrl = urlOf('jobs');
    for (const body of ['a', 'b', 'c']) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: body }));
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages).toBeUndefined();
    await expect(sqs.send(new PurgeQueueCommand({ QueueUrl: urlOf('nope') }))).rejects.toBeInstanceOf(QueueDoesNotExist);
  });
});

describe('RedrivePolicy and ListDeadLetterSourceQueues', () => {
  test('a message received maxReceiveCount times moves to the dead-letter queue, which lists its source', async () => {
    const { sqs, urlOf } = await startSqsBroker();
    await sqs.send(new CreateQueueCommand({ QueueName: 'jobs-dlq' }));
    const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: urlOf('jobs-dlq'), AttributeNames: ['QueueArn'] }))).Attributes!.QueueArn!;
    const policy = JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: '2' });
    await sqs.send(new CreateQueueCommand({ QueueName: 'jobs', Attributes: { RedrivePolicy: policy, VisibilityTimeout: '1' } }));
    await sqs.send(new CreateQueueCommand({ QueueName: 'other' }));
    const QueueUrl = urlOf('jobs');

    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['RedrivePolicy'] }));
    expect(JSON.parse(Attributes!.RedrivePolicy!)).toEqual({ deadLetterTargetArn: dlqArn, maxReceiveCount: 2 });
    const sources = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: urlOf('jobs-dlq') }));
    expect(sources.queueUrls).toEqual([QueueUrl]);

    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'poison' }));
    for (let delivery = 1; delivery <= 2; delivery++) {
      const got = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
      expect(got.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe(String(delivery));
    }
    const dead = await sqs.send(new ReceiveMessageCommand({ QueueUrl: urlOf('jobs-dlq'), WaitTimeSeconds: 5, MessageSystemAttributeNames: ['All'] }));
    expect(dead.Messages?.[0]).toMatchObject({ MessageId, Body: 'poison', Attributes: { DeadLetterQueueSourceArn: 'arn:aws:sqs:us-east-1:000000000000:jobs' } });
    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl }))).Messages).toBeUndefined();
  });

  test('an empty RedrivePolicy unbinds; a target that does not exist is refused; queueUrls pages', async () => {
    const { sqs, urlOf } = await startSqsBroker();
    await sqs.send(new CreateQueueCommand({ QueueName: 'dlq' }));
    const policy = JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:dlq', maxReceiveCount: 3 });
    for (const name of ['s1', 's2', 's3']) await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: { RedrivePolicy: policy } }));
    const page = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: urlOf('dlq'), MaxResults: 2 }));
    expect(page.queueUrls).toEqual([urlOf('s1'), urlOf('s2')]);
    const rest = await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: urlOf('dlq'), MaxResults: 2, NextToken: page.NextToken }));
    expect(rest.queueUrls).toEqual([urlOf('s3')]);

    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: urlOf('s2'), Attributes: { RedrivePolicy: '' } }));
    expect((await sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: urlOf('dlq') }))).queueUrls).toEqual([urlOf('s1'), urlOf('s3')]);
    const missing = JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:us-east-1:000000000000:nowhere', maxReceiveCount: 3 });
    await expect(sqs.send(new SetQueueAttributesCommand({ QueueUrl: urlOf('s2'), Attributes: { RedrivePolicy: missing } }))).rejects.toBeInstanceOf(InvalidAttributeValue);
    await expect(sqs.send(new ListDeadLetterSourceQueuesCommand({ QueueUrl: urlOf('nope') }))).rejects.toBeInstanceOf(QueueDoesNotExist);
  });
});
