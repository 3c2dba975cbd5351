/**
 * CMQ API 2.0 request signatures (`调用方式/签名方法.md`, doc 406/5906), checked against the
 * broker's API keys: SecretId is a key's id and SecretKey its secret. The string signed is
 * `METHOD + Host + /v2/index.php + ? + params`, the params being every one but Signature, sorted
 * by name as sent (as CMQ's SDKs sort them), joined `name=value` with `&`, values raw (not
 * URL-encoded), `_` in names written `.`. Signature is the base64 HMAC-SHA1 of it, or HMAC-SHA256
 * with SignatureMethod=HmacSHA256 (any other value means SHA1). A Timestamp (Unix seconds) more
 * than 5 minutes from the broker's clock is refused, as Tencent Cloud's API 3.0 does (API 2.0
 * documents no window). Every failure is UNAUTHORIZED: 4100, module 10270 for an unknown SecretId
 * and 10030 for the rest.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ApiKey, KeyRing } from '../../auth/api-keys.js';
import { cmqError } from './errors.js';
import type { Params } from './params.js';

export const CMQ_PATH = '/v2/index.php';
const MAX_SKEW_SECONDS = 300;

export type SignatureMethod = 'HmacSHA1' | 'HmacSHA256';

/** What the client signed: the request's method and Host header, and its parameters. */
export function stringToSign(method: string, host: string, params: ReadonlyMap<string, string>): string {
  const names = [...params.keys()].filter((name) => name !== 'Signature').sort();
  const query = names.map((name) => `${name.replaceAll('_', '.')}=${params.get(name)}`).join('&');
  return `${method.toUpperCase()}${host}${CMQ_PATH}?${query}`;
}

export function sign(text: string, secret: string, method: SignatureMethod): string {
  return createHmac(method === 'HmacSHA256' ? 'sha256' : 'sha1', secret).update(text, 'utf8').digest('base64');
}

/** The key that signed the request; UNAUTHORIZED unless the signature is that key's and recent. */
export function verifyCmqSignature(request: { method: string; host: string }, params: Params, keys: KeyRing, nowMs: number): ApiKey {
  const secretId = params.peek('SecretId');
  const signature = params.peek('Signature');
  if (secretId === undefined || signature === undefined) {
    throw unauthorized(10030, 'this broker has API keys: sign the request with a key’s id as SecretId and its secret as SecretKey');
  }
  const signer = keys.signer(secretId);
  if (!signer) throw unauthorized(10270, `SecretId ${JSON.stringify(secretId.slice(0, 128))} is not one of this broker’s API keys`);
  const timestamp = params.peek('Timestamp') ?? '';
  if (!/^[0-9]{1,12}$/.test(timestamp)) throw unauthorized(10030, 'the request needs a Timestamp in Unix seconds');
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SKEW_SECONDS) {
    throw unauthorized(10030, `the request's Timestamp ${timestamp} is more than ${MAX_SKEW_SECONDS} seconds from the broker's clock`);
  }
  if (!/^[0-9]{1,20}$/.test(params.peek('Nonce') ?? '')) throw unauthorized(10030, 'the request needs a Nonce, a positive integer');
  const method: SignatureMethod = params.peek('SignatureMethod') === 'HmacSHA256' ? 'HmacSHA256' : 'HmacSHA1';
  const expected = Buffer.from(sign(stringToSign(request.method, request.host, params.entries), signer.secret, method));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw unauthorized(10030, `the signature does not match: is the SecretKey that of API key ${secretId}, and the Host the one signed?`);
  }
  return signer.key;
}

function unauthorized(module: number, message: string) {
  return cmqError('UNAUTHORIZED', module, message);
}
