/**
 * The client's errors, one class per kind of failure (as nats.js has):
 * - SpoolClientError: the broker (or the in-process engine) answered with an error code;
 * - SpoolConnectionError: the broker could not be reached, or the connection dropped before the
 *   reply (the request may or may not have taken effect);
 * - SpoolTimeoutError: no reply within the request timeout (same uncertainty);
 * - SpoolClientClosedError: the client was closed.
 * All extend SpoolError, so `err.code` is always one of core/errors.ts's codes: the three local kinds
 * carry CLOSED (503: the broker is not there for this request), the class telling which.
 */
import { ERROR_TABLE, SpoolError, asError, isErrorCode, type ErrorCode } from '../errors.js';

export class SpoolClientError extends SpoolError {
  /** HTTP status of the reply (for WebSocket and embedded errors: the status the code has in the HTTP API). */
  readonly status: number;
  /** The code as the server sent it; differs from `code` (then INTERNAL) only for a code this client does not know. */
  readonly serverCode: string;

  constructor(code: string, message: string, status?: number, options?: { cause?: unknown }) {
    const known: ErrorCode = isErrorCode(code) ? code : 'INTERNAL';
    super(known, message, options);
    Object.defineProperty(this, 'name', { value: 'SpoolClientError' });
    this.serverCode = code;
    this.status = status ?? ERROR_TABLE[known].http;
  }

  /** Wraps an engine error (embedded transport) so callers see the same class as over the network. */
  static from(err: unknown): SpoolClientError {
    if (err instanceof SpoolClientError) return err;
    if (err instanceof SpoolError) return new SpoolClientError(err.code, err.message, undefined, { cause: err });
    return new SpoolClientError('INTERNAL', asError(err).message, undefined, { cause: err });
  }
}

export class SpoolConnectionError extends SpoolError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CLOSED', message, options);
    Object.defineProperty(this, 'name', { value: 'SpoolConnectionError' });
  }
}

export class SpoolTimeoutError extends SpoolError {
  constructor(message: string) {
    super('CLOSED', message);
    Object.defineProperty(this, 'name', { value: 'SpoolTimeoutError' });
  }
}

export class SpoolClientClosedError extends SpoolError {
  constructor(message = 'the client is closed') {
    super('CLOSED', message);
    Object.defineProperty(this, 'name', { value: 'SpoolClientClosedError' });
  }
}

/** Failures after which a leased message is gone for this client (its lease ended or is unknowable). */
export function endsLease(err: unknown): boolean {
  if (err instanceof SpoolConnectionError || err instanceof SpoolTimeoutError || err instanceof SpoolClientClosedError) return true;
  return err instanceof SpoolError && (err.code === 'RECEIPT_HANDLE_STALE' || err.code === 'QUEUE_NOT_FOUND');
}
