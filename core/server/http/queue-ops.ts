/** Operations on a queue's messages as a whole: stats, purge, rewind, redrive. */
import type { FastifyPluginAsync } from 'fastify';
import type { QueueParams, RouteContext } from './context.js';
import { emptyBody, rewindBody } from './schemas.js';

export const queueOpRoutes: FastifyPluginAsync<RouteContext> = async (app, { engine }) => {
  app.get<{ Params: QueueParams }>('/v1/queues/:q/stats', async (request) => engine.stats(request.params.q));

  app.post<{ Params: QueueParams }>('/v1/queues/:q/purge', { schema: { body: emptyBody } }, async (request) => ({
    purged: await engine.purgeQueue(request.params.q),
  }));

  app.post<{ Params: QueueParams; Body: { since: number } }>('/v1/queues/:q/rewind', { schema: { body: rewindBody } }, async (request) => ({
    rewound: await engine.rewind(request.params.q, request.body.since),
  }));

  app.post<{ Params: QueueParams }>('/v1/queues/:q/redrive', { schema: { body: emptyBody } }, async (request) => ({
    moved: await engine.redrive(request.params.q),
  }));
};
