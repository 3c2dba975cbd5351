/**
 * `GET /v1/overview`: every queue (up to `limit`, by name, optionally by prefix) with its stats,
 * its dead-letter link, its consumers on this broker and the messages sent, delivered and deleted
 * through this broker since it started, in one response: what the dashboard (`GET /dashboard`)
 * polls, and a quick look for scripts. Rates are the difference between two overviews of the same
 * broker (`broker`, an id of this broker process).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import type { Metrics } from '../metrics.js';
import type { RouteContext } from './context.js';

interface OverviewQuery {
  prefix?: string;
  limit?: string;
}

const DEFAULT_LIMIT = 200;

const overviewQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    prefix: { type: 'string', maxLength: 80 },
    limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
  },
} as const;

export const overviewRoutes: FastifyPluginAsync<RouteContext & { metrics: Metrics }> = async (app, { engine, metrics }) => {
  // Which broker answered: behind a load balancer two overviews may come from two brokers, whose
  // consumers and totals differ; a rate is only the difference of two from the same one.
  const broker = randomBytes(4).toString('hex');
  app.get<{ Querystring: OverviewQuery }>('/v1/overview', { schema: { querystring: overviewQuery } }, async (request) => {
    const { prefix, limit } = request.query;
    const page = await engine.listQueues({ prefix, limit: limit === undefined ? DEFAULT_LIMIT : Number(limit) });
    const stats = await Promise.all(page.queues.map((q) => engine.stats(q.name).catch(() => null)));
    return {
      broker,
      time: engine.clock.now(),
      connections: metrics.connections(),
      total: page.total,
      queues: page.queues.flatMap((q, i) => {
        // A queue deleted between the list and its stats is left out.
        const s = stats[i];
        if (!s) return [];
        return [
          {
            name: q.name,
            stats: s,
            deadLetterQueue: q.attributes.deadLetterPolicy?.deadLetterQueue ?? null,
            consumers: engine.consumerCount(q.name),
            totals: metrics.totals(q.name),
          },
        ];
      }),
    };
  });
};
