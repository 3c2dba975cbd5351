/**
 * Queue management: create, list, read, change attributes, delete.
 * `POST /v1/queues` answers 201 when it created the queue and 200 when the queue already existed
 * with the same attributes (QUEUE_EXISTS, 409, when they differ).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { QueueAttributesInput } from '../../engine/attributes.js';
import type { QueueRecord } from '../../store/store.js';
import type { QueueParams, RouteContext } from './context.js';
import { attributes, createQueueBody, listQuery } from './schemas.js';

interface CreateQueueBody {
  name: string;
  attributes?: QueueAttributesInput;
}

interface ListQuery {
  prefix?: string;
  offset?: string;
  limit?: string;
}

export const queueRoutes: FastifyPluginAsync<RouteContext> = async (app, { engine }) => {
  app.post<{ Body: CreateQueueBody }>('/v1/queues', { schema: { body: createQueueBody } }, async (request, reply) => {
    const { name, attributes } = request.body;
    const { created, queue } = await engine.createQueue(name, attributes);
    return reply.code(created ? 201 : 200).send(queueView(queue));
  });

  app.get<{ Querystring: ListQuery }>('/v1/queues', { schema: { querystring: listQuery } }, async (request) => {
    const { prefix, offset, limit } = request.query;
    const page = await engine.listQueues({
      prefix,
      offset: offset === undefined ? undefined : Number(offset),
      limit: limit === undefined ? undefined : Number(limit),
    });
    return { total: page.total, queues: page.queues.map(queueView) };
  });

  app.get<{ Params: QueueParams }>('/v1/queues/:q', async (request) => {
    const queue = await engine.getQueue(request.params.q);
    const stats = await engine.stats(queue.name);
    return { ...queueView(queue), stats };
  });

  const setAttributes = { schema: { body: attributes } };
  const handleSetAttributes = async (request: { params: QueueParams; body: QueueAttributesInput }) =>
    queueView(await engine.setQueueAttributes(request.params.q, request.body));
  app.patch<{ Params: QueueParams; Body: QueueAttributesInput }>('/v1/queues/:q/attributes', setAttributes, handleSetAttributes);
  app.put<{ Params: QueueParams; Body: QueueAttributesInput }>('/v1/queues/:q/attributes', setAttributes, handleSetAttributes);

  app.delete<{ Params: QueueParams }>('/v1/queues/:q', async (request, reply) => {
    await engine.deleteQueue(request.params.q);
    return reply.code(204).send();
  });
};

/** A queue as the API shows it. */
export function queueView(queue: QueueRecord): QueueRecord {
  return { name: queue.name, attributes: queue.attributes, createdAt: queue.createdAt, modifiedAt: queue.modifiedAt };
}
