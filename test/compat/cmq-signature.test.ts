/**
 * CMQ's request signature: the documented test vector, and a broker with API keys that lets in
 * requests signed with a key's id and secret (SHA1 and SHA256, POST and GET), refuses the rest as
 * 4100, and applies the key's permissions (4000/10461).
 */
import { describe, expect, test } from 'vitest';
import type { ApiKeySpec } from '../../core/server/auth/api-keys.js';
import { sign, stringToSign } from '../../core/server/compat/cmq/signature.js';
import { CmqClient, cmqSignature, codes, fetchCmq, nowSeconds, startCmqBroker } from './cmq-client.js';

/**
 * The example of CMQ's signature doc (406/5906). The doc masks part of SecretId and
 * clientRequestId; the full values, which give the documented signature, are those of a public Go
 * CMQ client's test of the same example.
 */
const VECTOR = {
  host: 'cmq-queue-gz.api.tencentyun.com',
  secretKey: 'pPgfLipfEXZ7VcRzhAMIyPaU7UbQyFFx',
  params: {
    Action: 'SendMessage',
    Nonce: '2889712707386595659',
    RequestClient: 'SDK_Python_1.3',
    SecretId: 'AKIDPcYDclDJCn8D0Xypa4f3pKYUCVYLn3zT',
    SignatureMethod: 'HmacSHA1',
    Timestamp: '1534154812',
    clientRequestId: '1231231231',
    delaySeconds: '0',
    msgBody: 'msg',
    queueName: 'test1',
  },
  signature: 'C16WEtEXsD5v5tnaUMLAbZewXhI=',
};

describe('the signature algorithm', () => {
  test("gives the doc's example signature, whatever order the parameters came in", () => {
    const reversed = new Map(Object.entries(VECTOR.params).reverse());
    const text = stringToSign('POST', VECTOR.host, reversed);
    expect(text).toBe(
      'POSTcmq-queue-gz.api.tencentyun.com/v2/index.php?Action=SendMessage&Nonce=2889712707386595659&RequestClient=SDK_Python_1.3' +
        '&SecretId=AKIDPcYDclDJCn8D0Xypa4f3pKYUCVYLn3zT&SignatureMethod=HmacSHA1&Timestamp=1534154812&clientRequestId=1231231231' +
        '&delaySeconds=0&msgBody=msg&queueName=test1',
    );
    expect(sign(text, VECTOR.secretKey, 'HmacSHA1')).toBe(VECTOR.signature);
    // The test client's own implementation agrees.
    expect(cmqSignature('POST', VECTOR.host, VECTOR.params, VECTOR.secretKey)).toBe(VECTOR.signature);
  });

  test('leaves Signature out, writes underscores in names as dots, and keys SHA256 on SignatureMethod', () => {
    const params = new Map([['Signature', 'x'], ['msg_Body', 'a b'], ['Action', 'A']]);
    const text = stringToSign('get', 'h:1', params);
    expect(text).toBe('GETh:1/v2/index.php?Action=A&msg.Body=a b');
    expect(sign(text, 'k', 'HmacSHA256')).toHaveLength(44);
    expect(sign(text, 'k', 'HmacSHA1')).toHaveLength(28);
  });
});

const KEYS: ApiKeySpec[] = [
  { id: 'AKIDadmin', secret: 'admin-secret-0123456789', allow: { manage: ['*'], send: ['*'], receive: ['*'] } },
  { id: 'producer', secret: 'producer-secret-0123456789', allow: { send: ['jobs'] } },
  { id: 'owner', secret: 'owner-secret-0123456789', allow: { manage: ['owned'], send: ['owned'], receive: ['owned'] } },
];

async function keyedBroker() {
  const broker = await startCmqBroker({ apiKeys: KEYS });
  const as = (secretId: string, secretKey: string, more: Partial<ConstructorParameters<typeof CmqClient>[0]> = {}) =>
    broker.client({ secretId, secretKey, ...more });
  return { ...broker, admin: as('AKIDadmin', 'admin-secret-0123456789'), as };
}

describe('a broker with API keys', () => {
  test('lets in requests signed with HmacSHA1 (POST) and HmacSHA256 (GET)', async () => {
    const { admin, as } = await keyedBroker();
    expect((await admin.call('CreateQueue', { queueName: 'jobs' })).body.code).toBe(0);
    const sha256Get = as('AKIDadmin', 'admin-secret-0123456789', { method: 'GET', signatureMethod: 'HmacSHA256' });
    const sent = await sha256Get.call('SendMessage', { queueName: 'jobs', msgBody: 'héllo & goodbye+1 = 100%' });
    expect(sent.body).toMatchObject({ code: 0, msgId: expect.any(String) });
    const received = await admin.call('ReceiveMessage', { queueName: 'jobs' });
    expect(received.body.msgBody).toBe('héllo & goodbye+1 = 100%');
  });

  test('refuses an unsigned request, an unknown SecretId, a wrong secret, a stale Timestamp, a missing Nonce (4100)', async () => {
    const { url, admin, as } = await keyedBroker();
    const unsigned = await fetchCmq(`${url}/v2/index.php?Action=ListQueue`);
    expect(unsigned.status).toBe(200);
    expect([unsigned.body.code, unsigned.body.message]).toEqual([4100, expect.stringMatching(/^\(10030\)this broker has API keys/)]);
    expect(codes(await as('AKIDnobody', 'admin-secret-0123456789').call('ListQueue'))).toEqual([4100, 10270]);
    const wrong = await as('AKIDadmin', 'not-the-secret-0123456').call('ListQueue');
    expect(codes(wrong)).toEqual([4100, 10030]);
    expect(wrong.body.message).toContain('the signature does not match');
    const stale = await admin.call('ListQueue', {}, { Timestamp: nowSeconds() - 301 });
    expect(codes(stale)).toEqual([4100, 10030]);
    expect(stale.body.message).toContain('more than 300 seconds');
    expect(codes(await admin.call('ListQueue', {}, { Timestamp: nowSeconds() + 301 }))).toEqual([4100, 10030]);
    expect((await admin.call('ListQueue', {}, { Timestamp: nowSeconds() - 290 })).body.code).toBe(0);
    expect(codes(await admin.call('ListQueue', {}, { Nonce: null }))).toEqual([4100, 10030]);
    expect(codes(await admin.call('ListQueue', {}, { Signature: 'AAAA' }))).toEqual([4100, 10030]);
  });

  test('answers a method other than GET or POST in its own terms (10410), not with the bearer-key refusal', async () => {
    const { url } = await keyedBroker();
    expect(codes(await fetchCmq(`${url}/v2/index.php?Action=ListQueue`, { method: 'PUT', body: 'x' }))).toEqual([4000, 10410]);
  });

  test('refuses a parameter name with "_", which the signature reads as "." (msgBody_3 signed as msgBody.3)', async () => {
    const { admin } = await keyedBroker();
    await admin.call('CreateQueue', { queueName: 'jobs' });
    expect(codes(await admin.call('BatchSendMessage', { queueName: 'jobs', 'msgBody.1': 'a', msgBody_2: 'b' }))).toEqual([4000, 10310]);
  });

  test('refuses a signed request whose parameters or Host were changed after signing', async () => {
    const { url, port } = await keyedBroker();
    const params: Record<string, string> = {
      Action: 'CreateQueue', queueName: 'jobs', Nonce: '1', Timestamp: String(nowSeconds()), SecretId: 'AKIDadmin', SignatureMethod: 'HmacSHA1',
    };
    const signature = cmqSignature('POST', `127.0.0.1:${port}`, params, 'admin-secret-0123456789');
    const post = async (body: Record<string, string>, signed = signature) =>
      (await fetchCmq(`${url}/v2/index.php`, { method: 'POST', body: new URLSearchParams({ ...body, Signature: signed }) })).body;
    expect((await post({ ...params, queueName: 'evil' })).code).toBe(4100);
    // Signed for another host (what a proxy that rewrites Host would cause).
    const elsewhere = cmqSignature('POST', 'cmq-queue-gz.api.tencentyun.com', params, 'admin-secret-0123456789');
    expect((await post(params, elsewhere)).code).toBe(4100);
    expect((await post(params)).code).toBe(0);
  });

  test("applies the key's permissions: FORBIDDEN is 4000/10461", async () => {
    const { admin, as } = await keyedBroker();
    await admin.call('CreateQueue', { queueName: 'jobs' });
    await admin.call('CreateQueue', { queueName: 'other' });
    const producer = as('producer', 'producer-secret-0123456789');
    expect((await producer.call('SendMessage', { queueName: 'jobs', msgBody: 'x' })).body.code).toBe(0);
    const denied = await producer.call('SendMessage', { queueName: 'other', msgBody: 'x' });
    expect(denied.body).toMatchObject({ code: 4000, message: '(10461)API key producer: no send permission on queue other' });
    expect(codes(await producer.call('ReceiveMessage', { queueName: 'jobs' }))).toEqual([4000, 10461]);
    expect(codes(await producer.call('DeleteQueue', { queueName: 'jobs' }))).toEqual([4000, 10461]);
    expect(codes(await producer.call('ListQueue'))).toEqual([4000, 10461]);
    expect(codes(await producer.call('ListDeadLetterSourceQueues', { deadLetterQueueName: 'jobs' }))).toEqual([4000, 10461]);
    // Naming another queue as dead-letter queue needs send on it: its messages would get there without one.
    const policy = JSON.stringify({ deadLetterQueue: 'other', policy: 0, maxReceiveCount: 1 });
    const owner = as('owner', 'owner-secret-0123456789');
    expect(codes(await owner.call('CreateQueue', { queueName: 'owned', deadLetterPolicy: policy }))).toEqual([4000, 10461]);
    expect((await owner.call('CreateQueue', { queueName: 'owned' })).body.code).toBe(0);
    expect(codes(await owner.call('SetQueueAttributes', { queueName: 'owned', deadLetterPolicy: policy }))).toEqual([4000, 10461]);
    // Any permission on a queue lets a key look at it.
    expect((await producer.call('GetQueueAttributes', { queueName: 'jobs' })).body.code).toBe(0);
    expect(codes(await producer.call('GetQueueAttributes', { queueName: 'other' }))).toEqual([4000, 10461]);
  });

  test('the native API still wants a bearer key; the CMQ endpoint does not take one', async () => {
    const { url } = await keyedBroker();
    const bearer = { authorization: 'Bearer admin-secret-0123456789' };
    expect((await fetch(`${url}/v1/queues`, { headers: bearer })).status).toBe(200);
    expect((await fetchCmq(`${url}/v2/index.php?Action=ListQueue`, { headers: bearer })).body.code).toBe(4100);
  });
});

describe('a broker without API keys', () => {
  test('does not check SecretId or Signature', async () => {
    const { client } = await startCmqBroker();
    const anyone = client({ secretId: 'whoever', secretKey: 'whatever' });
    expect((await anyone.call('CreateQueue', { queueName: 'jobs' }, { Signature: 'garbage', Timestamp: 1 })).body.code).toBe(0);
  });
});
