// Code written for Amazon SQS, unchanged, against a Spool broker (docs/sqs.md).
// Run: npm run example -- examples/sqs.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, DeleteMessageCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startServer } from 'spool/server';

await using broker = await startServer({ port: 0, dataDir: mkdtempSync(join(tmpdir(), 'spool-example-')), logger: false });

// Only the endpoint says this is Spool; a broker without API keys takes any credentials.
const sqs = new SQSClient({ endpoint: broker.url, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'orders', Attributes: { VisibilityTimeout: '30' } }));
await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'order 1', MessageAttributes: { priority: { DataType: 'Number', StringValue: '2' } } }));
const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] }));
for (const message of Messages) {
  console.log('received:', message.Body, 'priority', message.MessageAttributes?.priority?.StringValue);
  await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
}
sqs.destroy();
