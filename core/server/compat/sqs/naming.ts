/**
 * Queue URLs and ARNs. A queue's URL is `http://<Host header>/000000000000/<name>` and its ARN
 * `arn:aws:sqs:<region>:000000000000:<name>`: Spool has no accounts, so the account id is all
 * zeros, and the region is whatever the client signed for. Incoming URLs are read leniently: any
 * URL (or path) whose last segment is the queue's name names the queue, so URLs made for another
 * host or port, or by another SQS server, keep working.
 */
import { isQueueName } from '../../../engine/validate.js';
import type { SqsContext } from './context.js';
import { SqsError } from './errors.js';
import { requireString, type Members } from './input.js';

export const ACCOUNT_ID = '000000000000';
const DEFAULT_REGION = 'us-east-1';

const HOST = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const CREDENTIAL_REGION = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]{1,32})\//;
const ARN = /^arn:[^:]+:sqs:[^:]*:[^:]*:([^:]+)$/;

export function queueUrl(context: SqsContext, name: string): string {
  return `http://${context.host}/${ACCOUNT_ID}/${name}`;
}

export function queueArn(context: SqsContext, name: string): string {
  return `arn:aws:sqs:${context.region}:${ACCOUNT_ID}:${name}`;
}

/** The queue named by the request's QueueUrl member. */
export function queueOf(input: Members): string {
  const url = requireString(input, 'QueueUrl');
  let path = url;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    try {
      path = new URL(url).pathname;
    } catch {
      throw new SqsError('InvalidAddress', `QueueUrl ${JSON.stringify(url.slice(0, 200))} is not a valid URL`);
    }
  }
  const name = path.replace(/\/+$/, '').split('/').pop() ?? '';
  if (name === '') throw new SqsError('InvalidAddress', 'QueueUrl must end with the queue name');
  if (!isQueueName(name)) throw noSuchQueue(name);
  return name;
}

/** For a name no Spool queue can have. */
export function noSuchQueue(name: string): SqsError {
  return new SqsError('QueueDoesNotExist', `queue ${JSON.stringify(name.slice(0, 200))} does not exist`);
}

/** The queue an ARN names, or null when it is not an SQS queue ARN. */
export function queueOfArn(arn: string): string | null {
  return ARN.exec(arn)?.[1] ?? null;
}

/** The Host header when it is a plain host[:port] (it ends up in URLs), else `localhost`. */
export function hostOf(header: string | undefined): string {
  return header !== undefined && HOST.test(header) ? header : 'localhost';
}

/** The region of a SigV4 `Authorization` header's credential scope (checked, on a broker with keys, by sigv4.ts). */
export function regionOf(authorization: string | undefined): string {
  return (authorization === undefined ? undefined : CREDENTIAL_REGION.exec(authorization)?.[1]) ?? DEFAULT_REGION;
}
