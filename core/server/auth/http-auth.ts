/**
 * API keys on the HTTP API: a request (but for the open routes) must present a known key, checked
 * before its body is read (401 UNAUTHORIZED); once the body is parsed, the key must allow what the
 * route does to its queues (403 FORBIDDEN).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { SpoolError } from '../../errors.js';
import { OPEN_ROUTES, SIGNED_PATHS, authorize, presentedSecret, routeNeeds } from './access.js';
import type { ApiKey, KeyRing } from './api-keys.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The key the request presented; null when the broker runs without keys (or on an open route). */
    apiKey: ApiKey | null;
  }
}

export function registerApiKeys(app: FastifyInstance, keys: KeyRing): void {
  app.decorateRequest('apiKey', null);
  app.addHook('onRequest', async (request) => {
    if (OPEN_ROUTES.has(routeOf(request)) || SIGNED_PATHS.has(request.routeOptions.url ?? '')) return;
    request.apiKey = authenticate(keys, request.headers);
  });
  app.addHook('preHandler', async (request) => {
    if (request.apiKey !== null) authorize(request.apiKey, routeNeeds(routeOf(request), request));
  });
}

/** The key a request's headers present; UNAUTHORIZED when there is none or it is unknown. */
export function authenticate(keys: KeyRing, headers: FastifyRequest['headers']): ApiKey {
  const secret = presentedSecret(headers);
  if (secret === null) throw new SpoolError('UNAUTHORIZED', 'this broker needs an API key: send "Authorization: Bearer <secret>" or "X-Api-Key: <secret>"');
  const key = keys.find(secret);
  if (!key) throw new SpoolError('UNAUTHORIZED', 'the API key is not one of this broker’s');
  return key;
}

function routeOf(request: FastifyRequest): string {
  return `${request.method === 'HEAD' ? 'GET' : request.method} ${request.routeOptions.url ?? ''}`;
}
