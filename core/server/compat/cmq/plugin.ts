/**
 * The CMQ-compatible endpoint: Tencent Cloud CMQ's API 2.0 on `GET` and `POST /v2/index.php`, the
 * action in the `Action` parameter, the parameters in the query string or a form body, every reply
 * `{code, message, requestId, ...}` with status 200. It lives in its own encapsulated context, with
 * its own body parser and error replies; the native API's are untouched. On a broker with API
 * keys, every request must carry CMQ's signature made with a key's id and secret (docs/cmq.md).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { authorize } from '../../auth/access.js';
import type { KeyRing } from '../../auth/api-keys.js';
import type { RouteContext } from '../../http/context.js';
import { foreignCharset } from '../../http/json-body.js';
import { actionFor } from './actions.js';
import { paramError, sendCmqError, sendCmqReply } from './errors.js';
import { parseParams, type Params } from './params.js';
import { CMQ_PATH, verifyCmqSignature } from './signature.js';

/**
 * CMQ caps a request at 1 MB (10420). Spool's is larger so that a body of the largest maxMsgSize
 * (1 MiB) fits once percent-encoded (up to three bytes per byte), with the other parameters.
 */
const CMQ_REQUEST_MAX_BYTES = 4 * 1024 * 1024;

const NO_BYTES = Buffer.alloc(0);

export const cmqRoutes: FastifyPluginAsync<RouteContext & { keys: KeyRing | null }> = async (app, { engine, limits, lifecycle, keys }) => {
  // This context's copy of the parsers only. CMQ's SDKs post forms with no Content-Type (Python)
  // or `*/*` (Java): every body is taken as a form, whatever its type says, if it is UTF-8.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (request, body, done) => {
    const charset = foreignCharset(request.headers['content-type']);
    if (charset !== null) done(paramError(10420, `cannot parse a body in ${charset}: parameters are UTF-8`), undefined);
    else done(null, body);
  });
  app.setErrorHandler((err, request, reply) => sendCmqError(err, request, reply));

  app.route({
    method: ['GET', 'POST'],
    url: CMQ_PATH,
    exposeHeadRoute: false,
    bodyLimit: CMQ_REQUEST_MAX_BYTES,
    handler: async (request, reply) => {
      const params = paramsOf(request);
      const key = keys ? verifyCmqSignature({ method: request.method, host: request.headers.host ?? '' }, params, keys, Date.now()) : null;
      const action = actionFor(params);
      if (key) authorize(key, action.needs(params));
      const fields = await action.run(params, { engine, limits, lifecycle, response: reply.raw });
      sendCmqReply(reply, { code: 0, message: '', ...fields });
      return reply;
    },
  });
  app.route({
    method: app.supportedMethods.filter((method) => method !== 'GET' && method !== 'POST'),
    url: CMQ_PATH,
    handler: async (request) => {
      throw paramError(10410, `unexpected http ${request.method.slice(0, 20)}, only GET or POST is supported`);
    },
  });
};

/** The query string's parameters and, on a POST, the form body's (a name in both is refused as given twice). */
function paramsOf(request: FastifyRequest): Params {
  const at = request.url.indexOf('?');
  // ASCII: Node's parser refuses other bytes in the request line (400) before any route sees them.
  const query = at < 0 ? NO_BYTES : Buffer.from(request.url.slice(at + 1), 'latin1');
  return parseParams(query, Buffer.isBuffer(request.body) ? request.body : NO_BYTES);
}
