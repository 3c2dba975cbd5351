/**
 * `GET /healthz`: 200 `{status: "ok"}` when a round trip through the store works, else 503
 * `{status: "unavailable", error: {code, message}}` (storage failing). While the server closes, it answers 503 CLOSED like every route.
 */
import type { FastifyPluginAsync } from 'fastify';
import { toSpoolError } from '../../errors.js';
import type { RouteContext } from './context.js';

export const healthRoutes: FastifyPluginAsync<RouteContext> = async (app, { engine }) => {
  app.get('/healthz', async (_request, reply) => {
    try {
      await engine.listQueues({ limit: 1 });
      return { status: 'ok' };
    } catch (err) {
      const e = toSpoolError(err);
      return reply.code(503).send({ status: 'unavailable', error: { code: e.code, message: e.message } });
    }
  });
};
