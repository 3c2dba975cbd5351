/**
 * Spool's errors: one class, stable string codes, and the one table that maps each code to its
 * HTTP status and its CMQ and SQS equivalents. Every code is documented in docs/errors.md (a test
 * checks it).
 */

export interface ErrorSpec {
  /** HTTP status of the native API. */
  readonly http: number;
  /** CMQ API 2.0 top-level code (module code in brackets in its message). */
  readonly cmq: number;
  /** SQS error shape name (`com.amazonaws.sqs#<shape>`). */
  readonly sqs: string;
}

export const ERROR_TABLE = {
  QUEUE_NOT_FOUND: { http: 404, cmq: 4440, sqs: 'QueueDoesNotExist' },
  REPLY_QUEUE_NOT_FOUND: { http: 404, cmq: 4440, sqs: 'QueueDoesNotExist' },
  QUEUE_EXISTS: { http: 409, cmq: 4000, sqs: 'QueueNameExists' },
  QUEUE_IS_DEAD_LETTER_TARGET: { http: 409, cmq: 4000, sqs: 'InvalidParameterValue' },
  INVALID_NAME: { http: 400, cmq: 4000, sqs: 'InvalidParameterValue' },
  INVALID_ATTRIBUTE: { http: 400, cmq: 4000, sqs: 'InvalidAttributeValue' },
  INVALID_PARAMETER: { http: 400, cmq: 4000, sqs: 'InvalidParameterValue' },
  INVALID_DEAD_LETTER_POLICY: { http: 400, cmq: 4000, sqs: 'InvalidAttributeValue' },
  INVALID_MESSAGE_BODY: { http: 400, cmq: 4000, sqs: 'InvalidMessageContents' },
  MESSAGE_TOO_LARGE: { http: 413, cmq: 4400, sqs: 'InvalidParameterValue' },
  BATCH_EMPTY: { http: 400, cmq: 4000, sqs: 'EmptyBatchRequest' },
  BATCH_TOO_LARGE: { http: 400, cmq: 4000, sqs: 'TooManyEntriesInBatchRequest' },
  RECEIPT_HANDLE_INVALID: { http: 400, cmq: 4000, sqs: 'ReceiptHandleIsInvalid' },
  RECEIPT_HANDLE_STALE: { http: 409, cmq: 4430, sqs: 'ReceiptHandleIsInvalid' },
  BACKLOG_FULL: { http: 429, cmq: 4410, sqs: 'OverLimit' },
  TOPIC_NOT_FOUND: { http: 404, cmq: 4440, sqs: 'InvalidParameterValue' },
  TOPIC_EXISTS: { http: 409, cmq: 4000, sqs: 'InvalidParameterValue' },
  TOPIC_HAS_SUBSCRIPTIONS: { http: 409, cmq: 4000, sqs: 'InvalidParameterValue' },
  TOPIC_NO_MATCH: { http: 409, cmq: 6030, sqs: 'InvalidParameterValue' },
  SUBSCRIPTION_NOT_FOUND: { http: 404, cmq: 4440, sqs: 'InvalidParameterValue' },
  SUBSCRIPTION_EXISTS: { http: 409, cmq: 4490, sqs: 'InvalidParameterValue' },
  SUBSCRIPTION_LIMIT: { http: 409, cmq: 4500, sqs: 'OverLimit' },
  SUBSCRIBED_QUEUE_NOT_FOUND: { http: 409, cmq: 4440, sqs: 'QueueDoesNotExist' },
  REWIND_NOT_ENABLED: { http: 400, cmq: 6050, sqs: 'UnsupportedOperation' },
  REWIND_TIME_INVALID: { http: 400, cmq: 4000, sqs: 'InvalidParameterValue' },
  REQUEST_TOO_LARGE: { http: 413, cmq: 4000, sqs: 'BatchRequestTooLong' },
  UNSUPPORTED_MEDIA_TYPE: { http: 415, cmq: 4000, sqs: 'InvalidParameterValue' },
  ROUTE_NOT_FOUND: { http: 404, cmq: 4000, sqs: 'InvalidAction' },
  TOO_MANY_CONNECTIONS: { http: 503, cmq: 6000, sqs: 'RequestThrottled' },
  UNAUTHORIZED: { http: 401, cmq: 4100, sqs: 'InvalidClientTokenId' },
  FORBIDDEN: { http: 403, cmq: 4000, sqs: 'AccessDenied' },
  STORE_FAILED: { http: 503, cmq: 6000, sqs: 'ServiceUnavailable' },
  STORE_SCHEMA_MISMATCH: { http: 500, cmq: 6000, sqs: 'InternalError' },
  STORE_LOCKED: { http: 503, cmq: 6000, sqs: 'ServiceUnavailable' },
  CLOSED: { http: 503, cmq: 6000, sqs: 'ServiceUnavailable' },
  INTERNAL: { http: 500, cmq: 6000, sqs: 'InternalError' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_TABLE;

export const ERROR_CODES = Object.keys(ERROR_TABLE) as ErrorCode[];

export class SpoolError extends Error {
  override readonly name = 'SpoolError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  get spec(): ErrorSpec {
    return ERROR_TABLE[this.code];
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_TABLE, value);
}

/** Coerces anything thrown into a SpoolError; unknown failures become INTERNAL with the cause kept. */
export function toSpoolError(err: unknown): SpoolError {
  if (err instanceof SpoolError) return err;
  return new SpoolError('INTERNAL', asError(err).message, { cause: err });
}

/** Anything thrown, as an Error: an Error as it is, else one naming the value (even a value String() cannot convert). */
export function asError(value: unknown): Error {
  if (value instanceof Error) return value;
  let text: string;
  try {
    text = String(value);
  } catch {
    text = Object.prototype.toString.call(value);
  }
  return new Error(text, { cause: value });
}
