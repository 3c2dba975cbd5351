/**
 * The fastify application of the native API: body parsing, validation settings, error replies,
 * closing behaviour, request metrics, and the route plugins. It does not listen; server.ts does.
 */
import fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Engine } from '../engine/engine.js';
import type { KeyRing } from './auth/api-keys.js';
import { registerApiKeys } from './auth/http-auth.js';
import { SpoolError } from '../errors.js';
import { TOO_MANY_CONNECTIONS_MESSAGE, acceptedOverLimit, limitConnections } from './connection-limit.js';
import type { Lifecycle } from './lifecycle.js';
import type { Metrics } from './metrics.js';
import type { LogLevel, ServerLimits } from './options.js';
import type { RouteContext } from './http/context.js';
import { cmqRoutes } from './compat/cmq/plugin.js';
import { sqsRoutes } from './compat/sqs/plugin.js';
import { dashboardRoutes } from './http/dashboard.js';
import { formatSchemaError, frameworkErrorHandler, registerErrorHandling } from './http/errors.js';
import { healthRoutes } from './http/health.js';
import { registerJsonBody } from './http/json-body.js';
import { noQuery } from './http/schemas.js';
import { leaseRoutes } from './http/leases.js';
import { messageRoutes } from './http/messages.js';
import { metricsRoutes } from './http/metrics.js';
import { overviewRoutes } from './http/overview.js';
import { queueOpRoutes } from './http/queue-ops.js';
import { queueRoutes } from './http/queues.js';
import { subscriptionRoutes } from './http/subscriptions.js';
import { topicRoutes } from './http/topics.js';

export interface AppOptions {
  engine: Engine;
  limits: ServerLimits;
  lifecycle: Lifecycle;
  metrics: Metrics;
  /** A pino logger to use, a level for a new one, or false for none. */
  logger: FastifyBaseLogger | LogLevel | false;
  /** The API keys requests must present; null: no keys (loopback only). */
  keys: KeyRing | null;
}

/** Never logged, wherever they appear: credentials. Bodies are never logged at all (no serializer emits them). */
const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-amz-security-token"]',
  'headers.authorization',
  'headers.cookie',
];

export function buildApp(options: AppOptions): FastifyInstance {
  const { engine, limits, lifecycle, metrics, logger, keys } = options;
  const app = fastify({
    ...(typeof logger === 'object'
      ? { loggerInstance: logger }
      : { logger: logger === false ? false : { level: logger, redact: { paths: REDACT, censor: '[redacted]' } } }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: limits.bodyLimitBytes,
    // Closing is ours to answer (CLOSED in the usual error shape), see the onRequest hook.
    return503OnClosing: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 500 },
    // Strict bodies: no type coercion, unknown fields refused rather than dropped.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false } },
    schemaErrorFormatter: formatSchemaError,
    frameworkErrors: frameworkErrorHandler,
  });
  limitConnections(app.server, limits.maxConnections);

  registerJsonBody(app);
  registerErrorHandling(app);

  app.addHook('onRequest', async (request, reply) => {
    if (lifecycle.closing) throw new SpoolError('CLOSED', 'the server is closing');
    if (acceptedOverLimit(request.raw.socket)) {
      reply.header('connection', 'close');
      throw new SpoolError('TOO_MANY_CONNECTIONS', TOO_MANY_CONNECTIONS_MESSAGE);
    }
  });
  app.addHook('onSend', async (_request, reply) => {
    // Keep-alive connections must not outlive close(): each answers its last request and ends.
    if (lifecycle.closing) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    metrics.observeRequest(request.method, route, reply.statusCode);
    request.log.debug({ method: request.method, route, status: reply.statusCode, ms: reply.elapsedTime }, 'request');
  });

  // After the closing and connection-limit checks: a refused connection is refused before its key is looked at.
  if (keys) registerApiKeys(app, keys);

  // As unknown body fields are, a query parameter a /v1 route does not take is refused.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/v1/') && route.schema?.querystring === undefined) route.schema = { ...route.schema, querystring: noQuery };
  });

  const context: RouteContext = { engine, limits, lifecycle };
  void app.register(healthRoutes, context);
  void app.register(metricsRoutes, { ...context, metrics });
  void app.register(overviewRoutes, { ...context, metrics });
  void app.register(dashboardRoutes);
  void app.register(queueRoutes, context);
  void app.register(queueOpRoutes, context);
  void app.register(messageRoutes, context);
  void app.register(leaseRoutes, context);
  void app.register(topicRoutes, context);
  void app.register(subscriptionRoutes, context);
  void app.register(sqsRoutes, { ...context, keys });
  void app.register(cmqRoutes, { ...context, keys });
  return app;
}
