/**
 * CMQ error replies: `{"code": <top-level code>, "message": "(<module code>)<text>", "requestId"}`,
 * always with HTTP status 200, as CMQ answers (its SDKs treat any other status as a network
 * failure). SpoolErrors take their top-level code from ERROR_TABLE's `cmq` column and a module code
 * from MODULES below, unless the edge names a finer one; CMQ's own outcomes that have no Spool code
 * (7000 no message, 6010/6020 batch delete, 4470 batch size, 4510 blanks in an endpoint URL) are
 * CmqErrors made directly.
 * Module codes: CMQ API 2.0 `调用方式/返回结果/错误码.md` (../shared/reference/cmq-sqs.md 1.10).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_TABLE, SpoolError, toSpoolError, type ErrorCode } from '../../../errors.js';
import { toHttpError } from '../../http/errors.js';

/** The module code a Spool error carries when the edge does not name a finer one. */
const MODULES: Record<ErrorCode, number> = {
  QUEUE_NOT_FOUND: 10100,
  REPLY_QUEUE_NOT_FOUND: 10100,
  QUEUE_EXISTS: 4460,
  QUEUE_IS_DEAD_LETTER_TARGET: 10750,
  INVALID_NAME: 10020,
  INVALID_ATTRIBUTE: 10350,
  INVALID_PARAMETER: 10110,
  INVALID_DEAD_LETTER_POLICY: 10720,
  INVALID_MESSAGE_BODY: 10120,
  MESSAGE_TOO_LARGE: 10230,
  BATCH_EMPTY: 10390,
  BATCH_TOO_LARGE: 10370,
  RECEIPT_HANDLE_INVALID: 10470,
  RECEIPT_HANDLE_STALE: 10260,
  BACKLOG_FULL: 10240,
  TOPIC_NOT_FOUND: 10600,
  TOPIC_EXISTS: 10550,
  TOPIC_HAS_SUBSCRIPTIONS: 10540,
  TOPIC_NO_MATCH: 10730,
  SUBSCRIPTION_NOT_FOUND: 10560,
  SUBSCRIPTION_EXISTS: 10470,
  SUBSCRIPTION_LIMIT: 10480,
  SUBSCRIBED_QUEUE_NOT_FOUND: 10100,
  REWIND_NOT_ENABLED: 10670,
  REWIND_TIME_INVALID: 10680,
  REQUEST_TOO_LARGE: 10420,
  UNSUPPORTED_MEDIA_TYPE: 10420,
  ROUTE_NOT_FOUND: 10410,
  TOO_MANY_CONNECTIONS: 10050,
  UNAUTHORIZED: 10030,
  FORBIDDEN: 10461,
  STORE_FAILED: 10050,
  STORE_SCHEMA_MISMATCH: 10050,
  STORE_LOCKED: 10050,
  CLOSED: 10050,
  INTERNAL: 10050,
};

/** Top-level codes CMQ uses for its own outcomes. */
export const NO_MESSAGE = 7000;
export const BATCH_DELETE_PARTLY_FAILED = 6010;
export const BATCH_DELETE_FAILED = 6020;
export const BATCH_BODIES_TOO_LARGE = 4470;
/** Subscribe: "url connot contain any blank characters" (module 10570). */
export const ENDPOINT_HAS_BLANKS = 4510;

export class CmqError extends Error {
  override readonly name = 'CmqError';
  /** For the log: the native API's status of the Spool error this one stands for, if any. */
  httpStatus: number | undefined;

  /** `fields` go into the reply beside code, message and requestId (BatchDeleteMessage's errorList). */
  constructor(
    readonly code: number,
    readonly module: number,
    message: string,
    readonly fields: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /** As CMQ writes it: the module code in brackets, then the text. */
  get text(): string {
    return `(${this.module})${this.message}`;
  }
}

/** A refusal of a Spool kind with CMQ's finer module code: the top-level code is the table's. */
export function cmqError(code: ErrorCode, module: number, message: string): CmqError {
  return new CmqError(ERROR_TABLE[code].cmq, module, message);
}

/** A bad request parameter (4000): module 10310-10390 names what is wrong with it. */
export function paramError(module: number, message: string): CmqError {
  return cmqError('INVALID_PARAMETER', module, message);
}

/** Anything thrown, as a CmqError; without the request, what is neither CMQ's nor Spool's is INTERNAL. */
export function toCmqError(err: unknown, request?: FastifyRequest): CmqError {
  if (err instanceof CmqError) return err;
  const spool: SpoolError = err instanceof SpoolError ? err : request ? toHttpError(err, request) : toSpoolError(err);
  return Object.assign(cmqError(spool.code, MODULES[spool.code], spool.message), { cause: spool.cause, httpStatus: ERROR_TABLE[spool.code].http });
}

export function sendCmqError(thrown: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const error = toCmqError(thrown, request);
  const status = error.httpStatus ?? 400;
  // As the native API: failures with their cause, an outage (503) in one short line, refusals at debug.
  if (status === 503) request.log.warn({ code: error.code, reason: error.message }, 'CMQ request refused: unavailable');
  else if (status >= 500) request.log.error({ err: error.cause ?? thrown, code: error.code, module: error.module }, 'CMQ request failed');
  else request.log.debug({ code: error.code, module: error.module }, 'CMQ request refused');
  if (reply.sent || reply.raw.headersSent) return;
  sendCmqReply(reply, { ...error.fields, code: error.code, message: error.text });
}

/** Every reply: status 200, JSON, a fresh requestId; `body` holds code and message. */
export function sendCmqReply(reply: FastifyReply, body: { code: number; message: string } & Record<string, unknown>): void {
  const { code, message, ...fields } = body;
  void reply
    .code(200)
    .type('application/json; charset=utf-8')
    .send(JSON.stringify({ code, message, requestId: randomUUID(), ...fields }));
}
