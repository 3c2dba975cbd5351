/**
 * The one body parser: JSON in UTF-8 (another declared charset is 415). Invalid UTF-8 is refused
 * (decoding it would silently turn bytes into U+FFFD and change a message body), and so are
 * `__proto__` keys and `constructor.prototype` (fastify's secure-json-parse). An empty body
 * parses as no body, whatever its Content-Type, so routes whose fields are all optional accept it.
 * Failures are INVALID_PARAMETER (400), or UNSUPPORTED_MEDIA_TYPE (415) for a body that is not JSON.
 */
import type { FastifyInstance } from 'fastify';
import { SpoolError } from '../../errors.js';

const MESSAGE_MAX = 200;

/** Decodes UTF-8 or throws: every body Spool reads (native, SQS, CMQ) is UTF-8, taken strictly. */
export const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The charset a Content-Type declares when it is not UTF-8, else null. */
export function foreignCharset(contentType: string | undefined): string | null {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  return charset !== undefined && !/^utf-?8$/i.test(charset) ? charset : null;
}

export function registerJsonBody(app: FastifyInstance): void {
  const secureParse = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, raw, done) => {
    const charset = foreignCharset(request.headers['content-type']);
    if (charset !== null) {
      done(new SpoolError('UNSUPPORTED_MEDIA_TYPE', `request bodies are JSON in UTF-8, not ${charset}`), undefined);
      return;
    }
    let text: string;
    try {
      text = strictUtf8.decode(raw as Buffer);
    } catch {
      done(new SpoolError('INVALID_PARAMETER', 'request body is not valid UTF-8'), undefined);
      return;
    }
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    secureParse(request, text, (err, body) => {
      if (err) done(new SpoolError('INVALID_PARAMETER', whyNotJson(text)), undefined);
      else done(null, body);
    });
  });
  // Any other type: an empty body is no body (curl -X POST .../purge -H 'content-type: text/plain'); anything else is 415.
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, raw, done) => {
    if ((raw as Buffer).length === 0) done(null, undefined);
    else done(new SpoolError('UNSUPPORTED_MEDIA_TYPE', 'request bodies must be JSON with Content-Type: application/json'), undefined);
  });
}

/** Runs only on failure: says whether the JSON was malformed or carried a prototype key. */
export function whyNotJson(text: string): string {
  try {
    JSON.parse(text);
  } catch (err) {
    const detail = (err as Error).message;
    return `request body is not valid JSON: ${detail.length > MESSAGE_MAX ? `${detail.slice(0, MESSAGE_MAX)}…` : detail}`;
  }
  return 'request body must not contain "__proto__" or "constructor.prototype" keys';
}
