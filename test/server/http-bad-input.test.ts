/**
 * Hostile and malformed requests: each gets a 4xx with a code in the error shape, never a 5xx, a
 * crash or a hang, and the server keeps serving others.
 */
import { request as httpRequest } from 'node:http';
import { beforeAll, describe, expect, test } from 'vitest';
import { api, startTestServer, type TestServer } from '../helpers/server.js';

const MiB = 1024 * 1024;
const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);
const deepObject = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

interface Case {
  name: string;
  method?: string;
  path?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  status: number;
  code: string;
}

const RECEIVE = '/v1/queues/jobs/messages/receive';
const SEND = '/v1/queues/jobs/messages';

const cases: Case[] = [
  { name: 'invalid JSON', body: '{"name": "a",', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'JSON with a trailing comma', body: '{"name": "a",}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a JSON array', body: '[1,2]', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a JSON string', body: '"jobs"', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'JSON null', body: 'null', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'an empty JSON body where one is required', body: '', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a wrong type', body: '{"name": ["jobs"]}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'an unknown field', body: '{"name": "a", "owner": "me"}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a __proto__ key', body: '{"name": "a", "__proto__": {"admin": true}}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'an escaped __proto__ key', body: '{"name": "a", "\\u005f_proto__": {"admin": true}}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a nested __proto__ key', path: SEND, body: '{"body": "x", "attributes": {"__proto__": "y"}}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'constructor.prototype', body: '{"name": "a", "constructor": {"prototype": {"x": 1}}}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a constructor key', body: '{"name": "a", "constructor": 1}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'invalid UTF-8', body: Buffer.concat([Buffer.from('{"name": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a UTF-8 encoded lone surrogate', path: SEND, body: Buffer.concat([Buffer.from('{"body": "'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), status: 400, code: 'INVALID_PARAMETER' },
  { name: 'an escaped lone surrogate in a body', path: SEND, body: '{"body": "\\ud800"}', status: 400, code: 'INVALID_MESSAGE_BODY' },
  { name: 'deeply nested arrays', body: deep(100_000), status: 400, code: 'INVALID_PARAMETER' },
  { name: 'deeply nested objects', body: deepObject(50_000), status: 400, code: 'INVALID_PARAMETER' },
  { name: 'deep JSON inside attributes', body: `{"name": "a", "attributes": ${deepObject(50_000)}}`, status: 400, code: 'INVALID_ATTRIBUTE' },
  { name: 'a huge number', path: RECEIVE, body: '{"max": 1e400}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a number past 2^53', path: RECEIVE, body: '{"max": 123456789012345678901234567890}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a negative wait', path: RECEIVE, body: '{"waitSeconds": -1}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a fractional number', path: RECEIVE, body: '{"max": 1.5}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a numeric string', path: RECEIVE, body: '{"max": "2"}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a boolean for a number', path: RECEIVE, body: '{"max": true}', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a body over the route limit', path: RECEIVE, body: `{"max": 1, "pad": "${'x'.repeat(3 * MiB)}"}`, status: 413, code: 'REQUEST_TOO_LARGE' },
  { name: 'a send over the send limit', path: SEND, body: `{"body": "${'x'.repeat(21 * MiB)}"}`, status: 413, code: 'REQUEST_TOO_LARGE' },
  { name: 'text/plain', body: 'name=jobs', headers: { 'content-type': 'text/plain' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'JSON declared in another charset', body: '{"name": "jobs"}', headers: { 'content-type': 'application/json; charset=latin1' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'form encoding', body: 'name=jobs', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { name: 'bad percent-encoding in the path', method: 'GET', path: '/v1/queues/%E0%A4%A', status: 400, code: 'INVALID_PARAMETER' },
  { name: 'a NUL in the queue name', method: 'GET', path: '/v1/queues/a%00b', status: 400, code: 'INVALID_NAME' },
  { name: 'a very long queue name', method: 'GET', path: `/v1/queues/${'q'.repeat(400)}`, status: 400, code: 'INVALID_NAME' },
  { name: 'an unknown route', method: 'GET', path: '/v2/nothing', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'an unknown method on a known path', method: 'PATCH', path: '/v1/queues', body: '{}', status: 404, code: 'ROUTE_NOT_FOUND' },
  { name: 'an unknown query parameter', method: 'GET', path: '/v1/queues?limit=5&sort=desc', status: 400, code: 'INVALID_PARAMETER' },
];

describe('bad input', () => {
  let server: TestServer;
  beforeAll(async () => {
    // One server for the whole table: every case must leave it serving the next.
    server = await startTestServer({ durability: 'process' }, { closeAfterEach: false });
    await api(server.url, 'POST', '/v1/queues', { name: 'jobs' });
    return () => server.close();
  });

  test.each(cases)('$name → $status $code', async ({ method = 'POST', path = '/v1/queues', body, headers = {}, status, code }) => {
    const reply = await api(server.url, method, path, body, body === undefined ? headers : { 'content-type': 'application/json', ...headers });
    expect(reply.status).toBe(status);
    expect(reply.body.error).toEqual({ code, message: expect.any(String) });
    expect(reply.body.error.message.length).toBeLessThan(1000);
    expect((await api(server.url, 'GET', '/healthz')).status).toBe(200);
  });

  test('an empty body of any content type counts as no body', async () => {
    const reply = await api(server.url, 'POST', '/v1/queues/jobs/purge', '', { 'content-type': 'text/plain' });
    expect([reply.status, reply.body]).toEqual([200, { purged: 0 }]);
  });

  test('a UTF-8 charset parameter, in any spelling, is accepted', async () => {
    for (const [i, charset] of ['utf-8', 'UTF-8', 'utf8', '"utf-8"'].entries()) {
      const reply = await api(server.url, 'POST', '/v1/queues', { name: `charset-${i}` }, { 'content-type': `application/json; charset=${charset}` });
      expect(reply.status).toBe(201);
    }
  });

  test('a chunked body over the limit is cut off with 413 while it streams', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.url}${RECEIVE}`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      let sent = 0;
      const pump = () => {
        while (sent < 4 * MiB) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        req.end();
      };
      req.write('{"max": 1, "pad": "');
      pump();
    }).catch(() => 413); // the server may also reset the connection once it has answered
    expect(status).toBe(413);
    expect((await api(server.url, 'GET', '/healthz')).status).toBe(200);
  });

  test('a client that sends half a body and hangs up does not disturb others', async () => {
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${server.url}/v1/queues`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': '1000' } });
      req.on('error', () => resolve());
      req.write('{"name": "half');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    const sent = await api(server.url, 'POST', SEND, { body: 'still here' });
    expect(sent.status).toBe(200);
  });
});
