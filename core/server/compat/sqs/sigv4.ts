/**
 * AWS Signature Version 4 on SQS requests, checked against the broker's API keys: the access key
 * id is a key's id and the secret access key its secret. So an unmodified SQSClient given
 * `credentials: { accessKeyId: <id>, secretAccessKey: <secret> }` is let in, with that key's
 * permissions. A signature over ±15 minutes old is refused, as AWS does.
 * (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html)
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { SpoolError } from '../../../errors.js';
import type { ApiKey, KeyRing } from '../../auth/api-keys.js';

const MAX_SKEW_MS = 15 * 60_000;
const AUTHORIZATION = /^AWS4-HMAC-SHA256\s+Credential=([^/\s,]+)\/(\d{8})\/([^/\s,]+)\/([^/\s,]+)\/aws4_request,\s*SignedHeaders=([a-z0-9;-]+),\s*Signature=([0-9a-f]{64})$/;
const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

interface Claim {
  signer: { key: ApiKey; secret: string };
  parts: [string, string, string, string, string, string, string];
}

/**
 * The key a request says it was signed with. Checked on arrival, before its body is read: an
 * unsigned request, or one naming no key of this broker, is refused without reading the body.
 */
export function claimedSigner(headers: FastifyRequest['headers'], keys: KeyRing): Claim {
  const parts = AUTHORIZATION.exec(String(headers.authorization ?? '').trim());
  if (!parts) throw unauthorized('this broker has API keys: sign the request (AWS Signature Version 4) with a key’s id as access key id and its secret');
  const signer = keys.signer(parts[1]!);
  if (!signer) throw unauthorized(`access key id ${parts[1]} is not one of this broker’s API keys`);
  return { signer, parts: parts as unknown as Claim['parts'] };
}

export function verifySigV4(request: Pick<FastifyRequest, 'method' | 'url' | 'headers'>, body: Buffer, keys: KeyRing, now: number): ApiKey {
  const { signer, parts } = claimedSigner(request.headers, keys);
  const [, id, day, region, service, signedHeaders, signature] = parts;

  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const date = AMZ_DATE.exec(amzDate);
  if (!date || !amzDate.startsWith(day)) throw unauthorized('the request has no X-Amz-Date matching its credential scope');
  const signedAt = Date.UTC(+date[1]!, +date[2]! - 1, +date[3]!, +date[4]!, +date[5]!, +date[6]!);
  if (Math.abs(now - signedAt) > MAX_SKEW_MS) throw unauthorized(`the signature's time ${amzDate} is more than 15 minutes from the broker's`);
  if (service !== 'sqs') throw unauthorized(`the credential scope names service ${service}; sign for sqs`);
  const names = signedHeaders.split(';');
  // What picks the action and reads the body must be signed, or a signature could be replayed as another action.
  const unsigned = ['host', 'x-amz-target', 'content-type', ...Object.keys(request.headers).filter((h) => h.startsWith('x-amz-'))].find(
    (header) => (header === 'host' || request.headers[header] !== undefined) && !names.includes(header),
  );
  if (unsigned !== undefined) throw unauthorized(`the signature must cover the ${unsigned} header`);
  const declared = request.headers['x-amz-content-sha256'];
  if (declared !== undefined && declared !== sha256(body)) throw unauthorized('the body does not match its X-Amz-Content-Sha256 (UNSIGNED-PAYLOAD is not accepted)');

  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest(request, names, body))].join('\n');
  const key = [day, region, service, 'aws4_request'].reduce<Buffer | string>((k, part) => hmac(k, part), `AWS4${signer.secret}`);
  const expected = hmac(key, stringToSign).toString('hex');
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(signature))) {
    throw unauthorized(`the signature does not match: is the secret access key that of API key ${id}?`);
  }
  return signer.key;
}

function canonicalRequest(request: Pick<FastifyRequest, 'method' | 'url' | 'headers'>, names: string[], body: Buffer): string {
  const [rawPath = '/', query = ''] = request.url.split('?', 2);
  const headers = names.map((name) => `${name}:${headerValue(request.headers[name])}\n`).join('');
  // The hash of the bytes received, never the one the request declares: a replay with another body fails.
  const payload = sha256(body);
  return [request.method, canonicalPath(rawPath), canonicalQuery(new URLSearchParams(query)), headers, names.join(';'), payload].join('\n');
}

/** The path as sent, normalised and URI-encoded once more, as the SDK signs it for services other than S3. */
function canonicalPath(rawPath: string): string {
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `${rawPath.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return encode(normalized).replace(/%2F/g, '/');
}

function canonicalQuery(params: URLSearchParams): string {
  return [...params]
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

function headerValue(value: string | string[] | undefined): string {
  const joined = Array.isArray(value) ? value.join(',') : (value ?? '');
  return joined.trim().replace(/\s+/g, ' ');
}

function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function sha256(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function hmac(key: Buffer | string, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function unauthorized(message: string): SpoolError {
  return new SpoolError('UNAUTHORIZED', message);
}
