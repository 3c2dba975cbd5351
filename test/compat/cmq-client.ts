/**
 * A CMQ API 2.0 client built as CMQ's own SDKs build requests (tencentyun/cmq-python-sdk
 * `cmq_client.py`/`sign.py`, cmq-java-sdk `CMQClient.java`): the common parameters Action, Nonce,
 * Timestamp, SecretId, SignatureMethod and RequestClient; the signature over METHOD + host +
 * /v2/index.php + ? + the parameters sorted by name, raw values, `_` in names as `.`; a form body
 * on POST (sent without Content-Type, as the Python SDK does, unless one is given) or a query
 * string on GET. Its signing is written here apart from the broker's, so that each checks the other.
 */
import { createHmac, randomInt } from 'node:crypto';
import { startTestServer, type TestServer } from '../helpers/server.js';

export type Value = string | number;

export interface CmqClientOptions {
  url: string;
  secretId?: string;
  secretKey?: string;
  method?: 'GET' | 'POST';
  signatureMethod?: 'HmacSHA1' | 'HmacSHA256';
  /** A POST's Content-Type; none by default (the Python SDK's way). */
  contentType?: string;
}

export interface CmqReply {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export class CmqClient {
  constructor(readonly options: CmqClientOptions) {}

  /** Calls `action` with `params`; `common` overrides the common parameters (a stale Timestamp, say); null leaves one out. */
  async call(action: string, params: Record<string, Value> = {}, common: Record<string, Value | null> = {}): Promise<CmqReply> {
    const { url, secretId = 'AKIDtest', secretKey = 'not-a-secret', method = 'POST', signatureMethod = 'HmacSHA1' } = this.options;
    const all: Record<string, string> = {};
    const defaults: Record<string, Value | null> = {
      Action: action,
      Nonce: randomInt(1, 2 ** 47),
      Timestamp: Math.floor(Date.now() / 1000),
      SecretId: secretId,
      SignatureMethod: signatureMethod,
      RequestClient: 'SDK_Spool_Test_1.0',
    };
    for (const [name, value] of Object.entries({ ...defaults, ...common, ...params })) if (value !== null) all[name] = String(value);
    if (!Object.hasOwn(common, 'Signature')) all.Signature = cmqSignature(method, new URL(url).host, all, secretKey, signatureMethod);
    const form = new URLSearchParams(all).toString();
    const headers: Record<string, string> = this.options.contentType === undefined ? {} : { 'content-type': this.options.contentType };
    return method === 'GET'
      ? fetchCmq(`${url}/v2/index.php?${form}`)
      : fetchCmq(`${url}/v2/index.php`, { method: 'POST', headers, body: Buffer.from(form) });
  }
}

/** A request to the endpoint as given, its reply parsed. */
export async function fetchCmq(url: string, init?: RequestInit): Promise<CmqReply> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: JSON.parse(await res.text()) };
}

/** CMQ's signature, as its SDKs compute it. */
export function cmqSignature(method: string, host: string, params: Record<string, string>, secretKey: string, signatureMethod = 'HmacSHA1'): string {
  const query = Object.keys(params)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${name.replaceAll('_', '.')}=${params[name]}`)
    .join('&');
  const algorithm = signatureMethod === 'HmacSHA256' ? 'sha256' : 'sha1';
  return createHmac(algorithm, secretKey).update(`${method}${host}/v2/index.php?${query}`).digest('base64');
}

export interface CmqBroker extends TestServer {
  cmq: CmqClient;
  client(options?: Partial<CmqClientOptions>): CmqClient;
}

/** A broker and a client for it (closed after the current test). */
export async function startCmqBroker(options: Parameters<typeof startTestServer>[0] = {}): Promise<CmqBroker> {
  const server = await startTestServer(options);
  const client = (more: Partial<CmqClientOptions> = {}) => new CmqClient({ url: server.url, ...more });
  return { ...server, cmq: client(), client };
}

/** `(module)` at the start of a CMQ error message. */
export function moduleOf(reply: CmqReply): number | null {
  const match = /^\((\d+)\)/.exec(reply.body?.message ?? '');
  return match ? Number(match[1]) : null;
}

/** A reply's code and module code, for one assertion. */
export function codes(reply: CmqReply): [number, number | null] {
  return [reply.body.code, moduleOf(reply)];
}

/** Whole-second Unix time now. */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** A repeated parameter as CMQ's SDKs write it: `name.1`, `name.2`, ... (or from `first`). */
export function numbered(name: string, values: readonly Value[], first = 1): Record<string, Value> {
  return Object.fromEntries(values.map((value, i) => [`${name}.${first + i}`, value]));
}

/**
 * Sends `pairs` (then `raw` bytes, which need not be UTF-8) as a form, by GET (raw bytes
 * percent-encoded: Node refuses others in the request line) or POST, and throws unless the reply
 * is a 200 in CMQ's shape (code, message, requestId; an error's message starting with its module
 * code) and not an internal error (6000): for fuzzing.
 */
export async function expectCmqShape(url: string, method: 'GET' | 'POST', pairs: [string, string][], raw: Uint8Array = new Uint8Array()): Promise<CmqReply> {
  const form = Buffer.concat([Buffer.from(new URLSearchParams(pairs).toString()), Buffer.from(raw.length > 0 ? '&' : ''), raw]);
  const encoded = form.toString('latin1').replace(/[^\x21-\x7e]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  const reply = method === 'GET' ? await fetchCmq(`${url}/v2/index.php?${encoded}`) : await fetchCmq(`${url}/v2/index.php`, { method: 'POST', body: form });
  const { code, message, requestId } = reply.body ?? {};
  const inShape = typeof code === 'number' && typeof message === 'string' && typeof requestId === 'string' && (code === 0 ? message === '' : /^\(\d+\)/.test(message));
  if (reply.status !== 200 || !inShape || code === 6000) {
    throw new Error(`${method} ${form.toString('latin1').slice(0, 300)} → ${reply.status} ${JSON.stringify(reply.body).slice(0, 300)}`);
  }
  return reply;
}
