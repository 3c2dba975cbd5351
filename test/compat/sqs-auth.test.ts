/**
 * The SQS endpoint on a broker with API keys: an unmodified SQSClient signs (SigV4) with a key's id
 * as access key id and its secret as secret access key, and gets that key's permissions.
 */
import { CreateQueueCommand, ListQueuesCommand, ReceiveMessageCommand, SendMessageCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ApiKeySpec } from '../../core/server/auth/api-keys.js';
import { startTestServer } from '../helpers/server.js';
import { raw } from './sqs-client.js';

const KEYS: ApiKeySpec[] = [
  { id: 'AKIDADMIN', secret: 'admin-secret-0123456789', allow: { manage: ['*'], send: ['*'], receive: ['*'] } },
  { id: 'producer', secret: 'producer-secret-0123456789', allow: { send: ['jobs'] } },
  { id: 'owner', secret: 'owner-secret-0123456789', allow: { manage: ['owned'], send: ['owned'], receive: ['owned'] } },
];

const clients: SQSClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

function sqs(url: string, accessKeyId: string, secretAccessKey: string): SQSClient {
  const client = new SQSClient({ endpoint: url, region: 'eu-west-3', credentials: { accessKeyId, secretAccessKey }, maxAttempts: 1 });
  clients.push(client);
  return client;
}

async function failure(promise: Promise<unknown>): Promise<{ name: string; message: string; status?: number }> {
  const err = (await promise.then(() => null, (e: unknown) => e)) as { name: string; message: string; $metadata?: { httpStatusCode?: number } } | null;
  expect(err, 'the call should have failed').not.toBeNull();
  return { name: err!.name, message: err!.message, status: err!.$metadata?.httpStatusCode };
}

describe('SQS requests on a broker with API keys', () => {
  it("are let in when signed with a key's id and secret, with that key's permissions", async () => {
    const { url } = await startTestServer({ apiKeys: KEYS });
    const admin = sqs(url, 'AKIDADMIN', 'admin-secret-0123456789');
    const { QueueUrl: jobs } = await admin.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    const { QueueUrl: other } = await admin.send(new CreateQueueCommand({ QueueName: 'other' }));
    expect((await admin.send(new ListQueuesCommand({}))).QueueUrls).toHaveLength(2);

    const producer = sqs(url, 'producer', 'producer-secret-0123456789');
    expect((await producer.send(new SendMessageCommand({ QueueUrl: jobs, MessageBody: 'hello' }))).MessageId).toEqual(expect.any(String));
    const denied = await failure(producer.send(new SendMessageCommand({ QueueUrl: other, MessageBody: 'x' })));
    expect(denied).toMatchObject({ name: 'AccessDenied', status: 403, message: 'API key producer: no send permission on queue other' });
    expect((await failure(producer.send(new ReceiveMessageCommand({ QueueUrl: jobs })))).name).toBe('AccessDenied');
    expect((await failure(producer.send(new ListQueuesCommand({})))).name).toBe('AccessDenied');

    const [message] = (await admin.send(new ReceiveMessageCommand({ QueueUrl: jobs }))).Messages ?? [];
    expect(message?.Body).toBe('hello');

    // A RedrivePolicy naming another queue needs send on it: dead letters would get there without one.
    const owner = sqs(url, 'owner', 'owner-secret-0123456789');
    const RedrivePolicy = JSON.stringify({ deadLetterTargetArn: 'arn:aws:sqs:eu-west-3:000000000000:other', maxReceiveCount: 1 });
    const redrive = await failure(owner.send(new CreateQueueCommand({ QueueName: 'owned', Attributes: { RedrivePolicy } })));
    expect(redrive).toMatchObject({ name: 'AccessDenied', message: 'API key owner: no send permission on queue other' });
    const { QueueUrl: owned } = await owner.send(new CreateQueueCommand({ QueueName: 'owned' }));
    expect((await failure(owner.send(new SetQueueAttributesCommand({ QueueUrl: owned, Attributes: { RedrivePolicy } })))).name).toBe('AccessDenied');
  });

  it('are refused as InvalidClientTokenId when unsigned, signed with an unknown key id, or with the wrong secret', async () => {
    const { url } = await startTestServer({ apiKeys: KEYS });
    const unknown = await failure(sqs(url, 'AKIDNOBODY', 'whatever-secret-0123').send(new ListQueuesCommand({})));
    expect(unknown).toMatchObject({ name: 'InvalidClientTokenId', status: 403, message: 'access key id AKIDNOBODY is not one of this broker’s API keys' });
    const wrong = await failure(sqs(url, 'AKIDADMIN', 'not-the-secret-0123456').send(new ListQueuesCommand({})));
    expect(wrong.message).toContain('the signature does not match');
    const unsigned = await raw(url, 'AmazonSQS.ListQueues', {});
    expect(unsigned.status).toBe(403);
    expect(unsigned.body.__type).toBe('com.amazonaws.sqs#InvalidClientTokenId');
  });

  it('refuse a signed request replayed with another body', async () => {
    const { url } = await startTestServer({ apiKeys: KEYS });
    const signed: { headers?: Record<string, string>; body?: string } = {};
    const admin = sqs(url, 'AKIDADMIN', 'admin-secret-0123456789');
    // Keep the signed request as it leaves, then send its headers with a different body.
    admin.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers: Record<string, string>; body: string | Uint8Array };
        Object.assign(signed, { headers: { ...request.headers }, body: typeof request.body === 'string' ? request.body : new TextDecoder().decode(request.body) });
        return next(args);
      },
      { step: 'finalizeRequest', priority: 'low' },
    );
    await admin.send(new CreateQueueCommand({ QueueName: 'jobs' }));
    const { host: _host, 'content-length': _length, ...headers } = signed.headers!;
    const tampered = await raw(url, null, signed.body!.replace('jobs', 'evil'), headers);
    expect(tampered.body.__type).toBe('com.amazonaws.sqs#InvalidClientTokenId');
  });

  it('refuse a signature that does not cover X-Amz-Target: it could be replayed as another action', async () => {
    const { url, port } = await startTestServer({ apiKeys: KEYS });
    const body = '{"QueueName":"jobs"}';
    const amzDate = new Date().toISOString().replace(/[-:]|\.\d{3}/g, '');
    const headers = { host: `127.0.0.1:${port}`, 'x-amz-date': amzDate, 'x-amz-target': 'AmazonSQS.CreateQueue', 'content-type': 'application/x-amz-json-1.0' };
    const signedOnly = ['host', 'x-amz-date'];
    const authorization = sigV4('POST', '/', headers, signedOnly, body, 'AKIDADMIN', 'admin-secret-0123456789', amzDate);
    const { host: _host, ...sent } = headers;
    const reply = await raw(url, null, body, { ...sent, authorization });
    expect(reply.body).toMatchObject({ __type: 'com.amazonaws.sqs#InvalidClientTokenId', message: 'the signature must cover the x-amz-target header' });
  });

  it('are refused before anything else is said or read: an unsigned request with a bad body is still InvalidClientTokenId', async () => {
    const { url } = await startTestServer({ apiKeys: KEYS });
    expect((await raw(url, 'AmazonSQS.TagQueue', '{not json')).body.__type).toBe('com.amazonaws.sqs#InvalidClientTokenId');
  });
});

/** A SigV4 Authorization header over only `signed` headers: what a minimal hand-written signer might send. */
function sigV4(method: string, path: string, headers: Record<string, string>, signed: string[], body: string, id: string, secret: string, amzDate: string): string {
  const sha256 = (data: string) => createHash('sha256').update(data).digest('hex');
  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  const day = amzDate.slice(0, 8);
  const canonical = [method, path, '', signed.map((h) => `${h}:${headers[h]}\n`).join(''), signed.join(';'), sha256(body)].join('\n');
  const scope = `${day}/eu-west-3/sqs/aws4_request`;
  const key = [day, 'eu-west-3', 'sqs', 'aws4_request'].reduce<Buffer | string>((k, part) => hmac(k, part), `AWS4${secret}`);
  const signature = hmac(key, ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n')).toString('hex');
  return `AWS4-HMAC-SHA256 Credential=${id}/${scope}, SignedHeaders=${signed.join(';')}, Signature=${signature}`;
}
