/**
 * The wire protocol of the CMQ endpoint over raw HTTP: the reply shape, GET and POST in the forms
 * CMQ's SDKs send, and malformed requests, each an error reply with status 200 in CMQ's shape,
 * never a 5xx, a crash or a hang. Plus topic and unknown actions.
 */
import { request as httpRequest } from 'node:http';
import { describe, expect, test } from 'vitest';
import { TOPIC_ACTIONS } from '../../core/server/compat/cmq/actions.js';
import { api } from '../helpers/server.js';
import { codes, startCmqBroker, type CmqReply } from './cmq-client.js';

const PATH = '/v2/index.php';

/** A request as given: method, path with query, body and headers, through node:http (which sends any bytes). */
async function send(port: number, method: string, path: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<CmqReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk)).on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode!, headers: new Headers(res.headers as Record<string, string>), body: text === '' ? undefined : JSON.parse(text) });
      });
    });
    req.on('error', reject).end(body);
  });
}

describe('replies', () => {
  test('success and error alike: status 200, JSON, code, message and a requestId', async () => {
    const { cmq } = await startCmqBroker();
    const ok = await cmq.call('CreateQueue', { queueName: 'jobs' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(ok.body).toMatchObject({ code: 0, message: '' });
    const failed = await cmq.call('GetQueueAttributes', { queueName: 'nope' });
    expect(failed.status).toBe(200);
    expect(failed.body).toEqual({ code: 4440, message: '(10100)queue "nope" does not exist', requestId: expect.any(String) });
    expect(failed.body.requestId).not.toBe(ok.body.requestId);
  });

  test('GET with the query string and POST with a form body (no Content-Type, */*, or form) do the same', async () => {
    const { client } = await startCmqBroker();
    const get = client({ method: 'GET' });
    expect((await get.call('CreateQueue', { queueName: 'jobs' })).body.code).toBe(0);
    for (const contentType of [undefined, '*/*;charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain']) {
      const reply = await client({ contentType }).call('SendMessage', { queueName: 'jobs', msgBody: `via ${contentType}` });
      expect(reply.body.code, String(contentType)).toBe(0);
    }
    expect((await get.call('GetQueueAttributes', { queueName: 'jobs' })).body.activeMsgNum).toBe(4);
  });

  test('parameters are decoded exactly: + is a space, %XX bytes are UTF-8, raw UTF-8 in a body too', async () => {
    const { port, cmq } = await startCmqBroker();
    await cmq.call('CreateQueue', { queueName: 'jobs' });
    const body = 'Action=SendMessage&queueName=jobs&msgBody=a+b%2Bc%26d%3De%25%E4%B8%96%00end';
    expect((await send(port, 'POST', PATH, body)).body.code).toBe(0);
    expect((await cmq.call('ReceiveMessage', { queueName: 'jobs' })).body.msgBody).toBe('a b+c&d=e%世\0end');
    const raw = Buffer.concat([Buffer.from('Action=SendMessage&queueName=jobs&msgBody='), Buffer.from('日本', 'utf8')]);
    expect((await send(port, 'POST', PATH, raw)).body.code).toBe(0);
    expect((await cmq.call('ReceiveMessage', { queueName: 'jobs' })).body.msgBody).toBe('日本');
    expect((await send(port, 'GET', `${PATH}?Action=SendMessage&queueName=jobs&msgBody=%E6%97%A5`)).body.code).toBe(0);
    expect((await cmq.call('ReceiveMessage', { queueName: 'jobs' })).body.msgBody).toBe('日');
  });

  test('parameters CMQ’s SDKs add, and any this endpoint does not know, are ignored', async () => {
    const { cmq } = await startCmqBroker();
    await cmq.call('CreateQueue', { queueName: 'jobs' });
    const reply = await cmq.call('SendMessage', { queueName: 'jobs', msgBody: 'x', UserpollingWaitSeconds: 30000, clientRequestId: 7, Region: 'gz', Token: '', whatever: 'y' });
    expect(reply.body.code).toBe(0);
  });
});

describe('malformed requests', () => {
  const cases: { name: string; method?: string; path?: string; body?: string | Buffer; headers?: Record<string, string>; expected: [number, number] }[] = [
    { name: 'no Action', path: `${PATH}?queueName=jobs`, expected: [4000, 10280] },
    { name: 'an unknown Action', path: `${PATH}?Action=PurgeQueue&queueName=jobs`, expected: [4000, 10430] },
    { name: 'an Action in another case', path: `${PATH}?Action=createqueue&queueName=jobs`, expected: [4000, 10430] },
    { name: 'PUT', method: 'PUT', path: `${PATH}?Action=ListQueue`, body: 'x', expected: [4000, 10410] },
    { name: 'DELETE', method: 'DELETE', path: `${PATH}?Action=ListQueue`, expected: [4000, 10410] },
    { name: 'PATCH', method: 'PATCH', path: PATH, body: 'Action=ListQueue', expected: [4000, 10410] },
    { name: 'OPTIONS', method: 'OPTIONS', path: PATH, expected: [4000, 10410] },
    { name: 'invalid UTF-8 in a value', path: `${PATH}?Action=ListQueue&searchWord=%C3%28`, expected: [4000, 10420] },
    { name: 'invalid UTF-8 in the body', method: 'POST', body: Buffer.from([0x41, 0x63, 0x74, 0x69, 0x6f, 0x6e, 0x3d, 0xff]), expected: [4000, 10420] },
    { name: 'a lone surrogate encoded', path: `${PATH}?Action=ListQueue&searchWord=%ED%A0%80`, expected: [4000, 10420] },
    { name: 'a bad percent escape', path: `${PATH}?Action=ListQueue&searchWord=%zz`, expected: [4000, 10420] },
    { name: 'a percent at the end', method: 'POST', body: 'Action=ListQueue&searchWord=%4', expected: [4000, 10420] },
    { name: 'a body in Latin-1', method: 'POST', body: 'Action=ListQueue', headers: { 'content-type': 'application/x-www-form-urlencoded; charset=iso-8859-1' }, expected: [4000, 10420] },
    { name: 'a parameter given twice', path: `${PATH}?Action=ListQueue&limit=1&limit=2`, expected: [4000, 10000] },
    { name: 'a parameter in the query and the body', method: 'POST', path: `${PATH}?Action=ListQueue`, body: 'Action=ListQueue', expected: [4000, 10000] },
    { name: 'an empty parameter name', path: `${PATH}?Action=ListQueue&=x`, expected: [4000, 10310] },
    { name: 'a non-repeatable parameter repeated', path: `${PATH}?Action=SendMessage&queueName.1=jobs&msgBody=x`, expected: [4000, 10330] },
    { name: 'Action repeated', path: `${PATH}?Action.1=ListQueue`, expected: [4000, 10330] },
    { name: 'a JSON body', method: 'POST', body: '{"Action":"ListQueue"}', headers: { 'content-type': 'application/json' }, expected: [4000, 10280] },
  ];

  test.each(cases)('$name: status 200, code $expected', async ({ method = 'GET', path = PATH, body, headers, expected }) => {
    const { port } = await startCmqBroker();
    const reply = await send(port, method, path, body, headers);
    expect(reply.status).toBe(200);
    expect(codes(reply)).toEqual(expected);
    expect(reply.body.requestId).toEqual(expect.any(String));
  });

  test('a request over 4 MiB is 4000/10420; one a 1 MiB body fits in, even percent-encoded, is not', async () => {
    const { port, cmq } = await startCmqBroker();
    await cmq.call('CreateQueue', { queueName: 'jobs' });
    const tooLarge = await send(port, 'POST', PATH, `Action=ListQueue&x=${'a'.repeat(4 * 1024 * 1024)}`);
    expect([tooLarge.status, ...codes(tooLarge)]).toEqual([200, 4000, 10420]);
    const encoded = `Action=SendMessage&queueName=jobs&msgBody=${encodeURIComponent('\u00e9'.repeat(524_288))}`;
    expect(encoded.length).toBeGreaterThan(3 * 1024 * 1024);
    expect((await send(port, 'POST', PATH, encoded)).body.code).toBe(0);
  });

  test('a HEAD request runs no action', async () => {
    const { port, engine } = await startCmqBroker();
    const reply = await send(port, 'HEAD', `${PATH}?Action=CreateQueue&queueName=jobs`);
    expect(reply.status).toBe(200);
    await expect(engine.getQueue('jobs')).rejects.toMatchObject({ code: 'QUEUE_NOT_FOUND' });
  });
});

describe('topics', () => {
  test('the list holds every topic action of CMQ’s topic model', () => {
    expect([...TOPIC_ACTIONS].sort()).toEqual([
      'BatchPublishMessage', 'ClearSubscriptionFilterTags', 'CreateTopic', 'DeleteTopic', 'GetSubscriptionAttributes', 'GetTopicAttributes',
      'ListSubscriptionByTopic', 'ListTopic', 'PublishMessage', 'SetSubscriptionAttributes', 'SetTopicAttributes', 'Subscribe', 'Unsubscribe',
    ]);
  });
});

describe('the rest of the server', () => {
  test('the native API and the SQS endpoint keep their parsers and error shapes', async () => {
    const { url, cmq } = await startCmqBroker();
    await cmq.call('CreateQueue', { queueName: 'jobs' });
    expect((await api(url, 'GET', '/v1/queues/jobs')).status).toBe(200);
    const form = await api(url, 'POST', '/v1/queues', 'name=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect([form.status, form.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const sqs = await api(url, 'POST', '/', '{}', { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.ListQueues' });
    expect(sqs.body.QueueUrls).toEqual([expect.stringMatching(/\/jobs$/)]);
    expect((await api(url, 'GET', '/v2/other.php')).body.error.code).toBe('ROUTE_NOT_FOUND');
  });
});
