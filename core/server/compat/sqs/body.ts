/**
 * The body parser of the SQS endpoint, registered in its own encapsulated context: AWS JSON 1.0
 * (`application/x-amz-json-1.0`), UTF-8 only. As the native parser (http/json-body.ts) does, it
 * refuses invalid UTF-8 (decoding would silently change a message body) and `__proto__` or
 * `constructor.prototype` keys. An empty body is `{}` (the SDK sends `{}` for actions without input).
 * Any other content type is refused in SQS's error shape.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { foreignCharset, strictUtf8, whyNotJson } from '../../http/json-body.js';
import { AMZ_JSON, SqsError } from './errors.js';


declare module 'fastify' {
  interface FastifyRequest {
    /** An SQS request's bytes as they came, kept for the signature check: it hashes them. */
    sqsRawBody: Buffer | null;
  }
}

export function rawBodyOf(request: FastifyRequest): Buffer {
  return request.sqsRawBody ?? Buffer.alloc(0);
}

export function registerAmzJsonBody(app: FastifyInstance): void {
  const secureParse = app.getDefaultJsonParser('error', 'error');
  // This context's copy of the parsers only: the native routes keep theirs.
  app.removeAllContentTypeParsers();
  app.decorateRequest('sqsRawBody', null);
  app.addContentTypeParser(AMZ_JSON, { parseAs: 'buffer' }, (request, raw, done) => {
    request.sqsRawBody = raw as Buffer;
    let text: string;
    try {
      text = decodeUtf8(request.headers['content-type'], raw as Buffer);
    } catch (err) {
      done(err as SqsError, undefined);
      return;
    }
    if (text.trim() === '') done(null, {});
    else secureParse(request, text, (err, body) => done(err ? new SqsError('InvalidParameterValue', whyNotJson(text)) : null, err ? undefined : body));
  });
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, _raw, done) => {
    const type = request.headers['content-type'] ?? 'none';
    done(new SqsError('InvalidParameterValue', `the SQS endpoint takes AWS JSON 1.0 (Content-Type: ${AMZ_JSON}), not ${type}`), undefined);
  });
}

/** The body as text: UTF-8 (the only charset accepted), strictly decoded. */
function decodeUtf8(contentType: string | undefined, raw: Buffer): string {
  const charset = foreignCharset(contentType);
  if (charset !== null) throw new SqsError('InvalidParameterValue', `request bodies are JSON in UTF-8, not ${charset}`);
  try {
    return strictUtf8.decode(raw);
  } catch {
    throw new SqsError('InvalidParameterValue', 'request body is not valid UTF-8');
  }
}
