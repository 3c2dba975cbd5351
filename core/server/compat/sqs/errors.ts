/**
 * SQS error replies: `{"__type": "com.amazonaws.sqs#<Shape>", "message": "..."}` with each shape's
 * HTTP status and an `x-amzn-query-error: <query code>;Sender|Receiver` header. The statuses and
 * query codes are those of @aws-sdk/client-sqs's model: the client picks an error's class by the
 * query code, so they must match it exactly. SpoolErrors map through ERROR_TABLE's `sqs` column;
 * fastify's own failures (body too large, bad content length) through the native API's mapping.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_TABLE, SpoolError, toSpoolError } from '../../../errors.js';
import { toHttpError } from '../../http/errors.js';

export const AMZ_JSON = 'application/x-amz-json-1.0';

/** Shape → [HTTP status, query code]. */
const SHAPES = {
  QueueDoesNotExist: [400, 'AWS.SimpleQueueService.NonExistentQueue'],
  QueueNameExists: [400, 'QueueAlreadyExists'],
  ReceiptHandleIsInvalid: [404, 'ReceiptHandleIsInvalid'],
  TooManyEntriesInBatchRequest: [400, 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest'],
  EmptyBatchRequest: [400, 'AWS.SimpleQueueService.EmptyBatchRequest'],
  BatchEntryIdsNotDistinct: [400, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct'],
  InvalidBatchEntryId: [400, 'AWS.SimpleQueueService.InvalidBatchEntryId'],
  BatchRequestTooLong: [400, 'AWS.SimpleQueueService.BatchRequestTooLong'],
  UnsupportedOperation: [400, 'AWS.SimpleQueueService.UnsupportedOperation'],
  InvalidAttributeName: [400, 'InvalidAttributeName'],
  InvalidAttributeValue: [400, 'InvalidAttributeValue'],
  InvalidMessageContents: [400, 'InvalidMessageContents'],
  InvalidParameterValue: [400, 'InvalidParameterValue'],
  MissingParameter: [400, 'MissingParameter'],
  InvalidAction: [400, 'InvalidAction'],
  InvalidAddress: [404, 'InvalidAddress'],
  OverLimit: [403, 'OverLimit'],
  RequestThrottled: [403, 'RequestThrottled'],
  InvalidClientTokenId: [403, 'InvalidClientTokenId'],
  AccessDenied: [403, 'AccessDenied'],
  InternalError: [500, 'InternalError'],
  ServiceUnavailable: [503, 'ServiceUnavailable'],
} as const satisfies Record<string, readonly [number, string]>;

export type SqsShape = keyof typeof SHAPES;

/** A refusal in SQS's terms, for what has no SpoolError code (unknown actions, batch entry ids, FIFO...). */
export class SqsError extends Error {
  override readonly name = 'SqsError';

  constructor(
    readonly shape: SqsShape,
    message: string,
  ) {
    super(message);
  }

  get status(): number {
    return SHAPES[this.shape][0];
  }
}

/**
 * Anything thrown, as an SqsError; failures that are not the client's keep their cause for the log.
 * Without the request, an error that is neither SQS's nor Spool's is INTERNAL.
 */
export function toSqsError(err: unknown, request?: FastifyRequest): SqsError {
  if (err instanceof SqsError) return err;
  const spool: SpoolError = err instanceof SpoolError ? err : request ? toHttpError(err, request) : toSpoolError(err);
  // Checked by the compiler: every shape ERROR_TABLE names has a status and query code here.
  const shape: SqsShape = ERROR_TABLE[spool.code].sqs;
  return Object.assign(new SqsError(shape, spool.message), { cause: spool.cause });
}

/** Every reply carries a request id, as AWS's do (the SDK reports it as `$metadata.requestId`). */
export function setRequestId(reply: FastifyReply): void {
  if (!reply.hasHeader('x-amzn-requestid')) void reply.header('x-amzn-RequestId', randomUUID());
}

export function sendSqsError(thrown: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const error = toSqsError(thrown, request);
  const status = error.status;
  // As the native API: a 4xx message may quote the request, so only 5xx go to the log with their
  // error, and a 503 (an outage the health check tells of) in one short line.
  if (status === 503) request.log.warn({ shape: error.shape, reason: error.message }, 'SQS request refused: unavailable');
  else if (status >= 500) request.log.error({ err: error.cause ?? thrown, shape: error.shape }, 'SQS request failed');
  else request.log.debug({ shape: error.shape, status }, 'SQS request refused');
  if (reply.sent || reply.raw.headersSent) return;
  setRequestId(reply);
  void reply
    .code(status)
    .header('x-amzn-query-error', `${SHAPES[error.shape][1]};${status >= 500 ? 'Receiver' : 'Sender'}`)
    .header('content-type', AMZ_JSON)
    .send(jsonBytes({ __type: `com.amazonaws.sqs#${error.shape}`, message: error.message }));
}

/** A reply body as bytes: fastify would add `; charset=utf-8` to a JSON type sent as a string, where AWS's replies have none. */
export function jsonBytes(value: object): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}
