/**
 * The one place HTTP failures become replies: `{ "error": { "code", "message" } }` with the status
 * of the code in ERROR_TABLE. SpoolErrors keep their code; fastify's own failures map to ours
 * (validation and parse errors → INVALID_PARAMETER, body too large → REQUEST_TOO_LARGE, wrong
 * content type → UNSUPPORTED_MEDIA_TYPE, unknown route → ROUTE_NOT_FOUND); anything else is
 * INTERNAL, logged with its stack, and its message is not sent to the client.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { ERROR_TABLE, SpoolError, type ErrorCode } from '../../errors.js';

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => sendError(toHttpError(err, request), request, reply, err));
  app.setNotFoundHandler((request, reply) => {
    const url = request.url.length > 200 ? `${request.url.slice(0, 200)}…` : request.url;
    sendError(new SpoolError('ROUTE_NOT_FOUND', `no route ${request.method} ${url}; see docs/http-api.md`), request, reply);
  });
}

/** For fastify's `frameworkErrors` option: malformed URLs and the like, before routing. */
export function frameworkErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  sendError(toHttpError(err, request), request, reply, err);
}

export function toHttpError(err: unknown, request: FastifyRequest): SpoolError {
  if (err instanceof SpoolError) return err;
  const e = err as Partial<FastifyError> & { validation?: unknown };
  if (e.validation) return new SpoolError('INVALID_PARAMETER', e.message ?? 'invalid request');
  switch (e.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new SpoolError('REQUEST_TOO_LARGE', `request body is larger than this route's limit of ${request.routeOptions.bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new SpoolError('UNSUPPORTED_MEDIA_TYPE', 'request bodies must be JSON with Content-Type: application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new SpoolError('INVALID_PARAMETER', 'request body length does not match Content-Length');
    case 'FST_ERR_BAD_URL':
      return new SpoolError('INVALID_PARAMETER', 'request URL is malformed (bad percent-encoding?)');
  }
  // Other client errors fastify or Node found (aborted bodies, bad headers): a 4xx without a code of ours.
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new SpoolError('INVALID_PARAMETER', `bad request: ${e.message ?? 'unknown reason'}`);
  }
  return new SpoolError('INTERNAL', 'internal error; the server log has the details', { cause: err });
}

function sendError(error: SpoolError, request: FastifyRequest, reply: FastifyReply, original: unknown = error): void {
  const status = ERROR_TABLE[error.code].http;
  // Only 5xx are logged with the error; a 4xx message may quote the request (a JSON parse error
  // quotes its body), and bodies never go to the log.
  // A 503 (the store unreachable, the server closing or full) is an outage the health check and
  // the background log already tell of: one short line per request, not a stack each.
  if (status === 503) request.log.warn({ code: error.code, reason: error.message }, 'request refused: unavailable');
  else if (status >= 500) request.log.error({ err: original, code: error.code }, 'request failed');
  else request.log.debug({ code: error.code, status }, 'request refused');
  if (reply.sent || reply.raw.headersSent) return;
  const body: ErrorBody = { error: { code: error.code, message: error.message } };
  void reply.code(status).type('application/json; charset=utf-8').send(body);
}

/** fastify `schemaErrorFormatter`: one clear sentence naming the field, e.g. `body.messages[0].priority must be an integer`. */
export function formatSchemaError(errors: FastifySchemaValidationError[], dataVar: string): Error {
  const first = errors[0];
  if (!first) return new Error(`${dataVar} is invalid`);
  const path = fieldPath(first.instancePath);
  const root = dataVar === 'querystring' ? 'query' : dataVar;
  const where = path === '' ? ({ body: 'request body', query: 'query string' } as Record<string, string>)[root] ?? root : `${root}${path}`;
  const params = first.params as Record<string, unknown>;
  switch (first.keyword) {
    case 'additionalProperties':
      return new Error(`${where} has unknown field ${JSON.stringify(params.additionalProperty)}`);
    case 'required':
      return new Error(`${where} is missing required field ${JSON.stringify(params.missingProperty)}`);
    case 'type': {
      const types = (Array.isArray(params.type) ? params.type : String(params.type).split(',')).filter((t) => t !== 'null');
      return new Error(`${where} must be ${types.map(article).join(' or ')}`);
    }
    case 'pattern':
      if (params.pattern === '^[0-9]{1,15}$') return new Error(`${where} must be a non-negative integer`);
      return new Error(`${where} must match ${String(params.pattern)}`);
    default:
      return new Error(`${where} ${first.message ?? 'is invalid'}`);
  }
}

/** `/messages/0/priority` → `.messages[0].priority`. */
function fieldPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? `[${part}]` : /^[A-Za-z_$][\w$]*$/.test(part) ? `.${part}` : `[${JSON.stringify(part)}]`))
    .join('');
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}
