/** `GET /metrics`: Prometheus text; queue gauges are read from the engine on each scrape. */
import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../metrics.js';
import type { RouteContext } from './context.js';

export const metricsRoutes: FastifyPluginAsync<RouteContext & { metrics: Metrics }> = async (app, { engine, metrics }) => {
  app.get('/metrics', async (_request, reply) => {
    await metrics.refresh(engine);
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
};
