/**
 * The SQS-compatible endpoint: AWS JSON 1.0 on `POST /`, the action in `X-Amz-Target:
 * AmazonSQS.<Action>` (never in the path), so that an unmodified @aws-sdk/client-sqs works against
 * Spool. It lives in its own encapsulated context, with its own body parser and its own error
 * replies (SQS's shape); the native API's parsers and errors are untouched. On a broker with API
 * keys, a request must be signed (SigV4) with a key's id and secret (docs/sqs.md#authentication).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { SpoolError } from '../../../errors.js';
import { authorize } from '../../auth/access.js';
import type { KeyRing } from '../../auth/api-keys.js';
import type { RouteContext } from '../../http/context.js';
import { frameworkErrorHandler } from '../../http/errors.js';
import { actionFor } from './actions.js';
import { rawBodyOf, registerAmzJsonBody } from './body.js';
import { AMZ_JSON, jsonBytes, sendSqsError, setRequestId } from './errors.js';
import { asMembers } from './input.js';
import { hostOf, regionOf } from './naming.js';
import { claimedSigner, verifySigV4 } from './sigv4.js';

export const sqsRoutes: FastifyPluginAsync<RouteContext & { keys: KeyRing | null }> = async (app, { engine, limits, lifecycle, keys }) => {
  registerAmzJsonBody(app);
  app.setErrorHandler((err, request, reply) => sendSqsError(err, request, reply));
  // A POST / that is not meant for SQS gets the native API's 404, as it did before this endpoint.
  app.addHook('onRequest', async (request, reply) => {
    if (!isSqsRequest(request.headers)) {
      frameworkErrorHandler(new SpoolError('ROUTE_NOT_FOUND', 'no route POST / for this request; SQS requests carry X-Amz-Target (see docs/sqs.md)'), request, reply);
      return reply;
    }
    // On a broker with keys, who signed comes first: nothing else is said to an unsigned request, and its body is not read.
    if (keys) claimedSigner(request.headers, keys);
    return undefined;
  });
  // The send routes' limit: a batch of ten messages of up to 1 MiB in all, with room for JSON escaping.
  app.post('/', { bodyLimit: limits.sendBodyLimitBytes }, async (request, reply) => {
    const target = request.headers['x-amz-target'];
    const action = actionFor(typeof target === 'string' ? target : undefined);
    // No body at all (no Content-Type either) is no members; a JSON null is refused.
    const input = asMembers(request.body === undefined ? {} : request.body);
    if (keys) authorize(verifySigV4(request, rawBodyOf(request), keys, Date.now()), action.needs(input));
    const output = await action.run(input, {
      engine,
      limits,
      lifecycle,
      host: hostOf(request.headers.host),
      region: regionOf(request.headers.authorization),
      response: reply.raw,
    });
    setRequestId(reply);
    return reply.header('content-type', AMZ_JSON).send(jsonBytes(output));
  });
};

/** It names an SQS action, or speaks AWS JSON or the (older) Query protocol, which is refused in SQS's terms. */
function isSqsRequest(headers: FastifyRequest['headers']): boolean {
  return headers['x-amz-target'] !== undefined || /^application\/(?:x-amz-json|x-www-form-urlencoded)/i.test(headers['content-type'] ?? '');
}
