/**
 * A real broker on port 0 and an unmodified SQSClient pointed at it (MD5 checks on, the default),
 * plus `raw()` for requests the SDK would never send.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import { afterEach } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/server.js';

// The SDK warns once per process that its releases after January 2027 will need Node 22; the
// version this repo pins supports Node 20.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

export const AMZ_JSON = 'application/x-amz-json-1.0';

export interface SqsBroker extends TestServer {
  sqs: SQSClient;
  /** `http://127.0.0.1:<port>/000000000000/<name>`: the URL the broker gives a queue. */
  urlOf(name: string): string;
}

const clients: SQSClient[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

/** A broker and its client, both closed after the current test. */
export async function startSqsBroker(options: Parameters<typeof startTestServer>[0] = {}): Promise<SqsBroker> {
  const server = await startTestServer(options);
  const sqs = new SQSClient({
    endpoint: server.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  clients.push(sqs);
  return { ...server, sqs, urlOf: (name) => `${server.url}/000000000000/${name}` };
}

export interface RawReply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

/** POSTs `body` (a string as is, anything else as JSON) to `/` with AWS JSON 1.0 headers, overridable. */
export async function raw(url: string, target: string | null, body: unknown, headers: Record<string, string> = {}): Promise<RawReply> {
  const res = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': AMZ_JSON, ...(target === null ? {} : { 'x-amz-target': target }), ...headers },
    body: typeof body === 'string' || body instanceof Uint8Array ? (body as string) : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? undefined : JSON.parse(text) };
}
