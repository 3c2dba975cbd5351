/**
 * Topics (docs/topics.md): create, list, read, change attributes, delete, and publish one message
 * or a batch. `POST /v1/topics` answers 201 when it created the topic and 200 when it existed with
 * the same attributes (TOPIC_EXISTS, 409, when they differ).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { PublishInput, TopicAttributesInput } from '../../engine/topic-input.js';
import type { RouteContext, TopicParams } from './context.js';
import { oneOrBatch } from './messages.js';
import { attributes, createTopicBody, listQuery, publishBody } from './schemas.js';

interface ListQuery {
  prefix?: string;
  offset?: string;
  limit?: string;
}

type PublishBody = Partial<PublishInput> & { messages?: PublishInput[] };

export const topicRoutes: FastifyPluginAsync<RouteContext> = async (app, { engine, limits }) => {
  const { topics } = engine;

  app.post<{ Body: { name: string; attributes?: TopicAttributesInput } }>('/v1/topics', { schema: { body: createTopicBody } }, async (request, reply) => {
    const { created, topic } = await topics.createTopic(request.body.name, request.body.attributes);
    return reply.code(created ? 201 : 200).send(topic);
  });

  app.get<{ Querystring: ListQuery }>('/v1/topics', { schema: { querystring: listQuery } }, async (request) => topics.listTopics(pageOf(request.query)));

  app.get<{ Params: TopicParams }>('/v1/topics/:t', async (request) => topics.getTopic(request.params.t));

  const setAttributes = { schema: { body: attributes } };
  const handleSetAttributes = async (request: { params: TopicParams; body: TopicAttributesInput }) => topics.setTopicAttributes(request.params.t, request.body);
  app.patch<{ Params: TopicParams; Body: TopicAttributesInput }>('/v1/topics/:t/attributes', setAttributes, handleSetAttributes);
  app.put<{ Params: TopicParams; Body: TopicAttributesInput }>('/v1/topics/:t/attributes', setAttributes, handleSetAttributes);

  app.delete<{ Params: TopicParams }>('/v1/topics/:t', async (request, reply) => {
    await topics.deleteTopic(request.params.t);
    return reply.code(204).send();
  });

  app.post<{ Params: TopicParams; Body: PublishBody }>(
    '/v1/topics/:t/messages',
    { schema: { body: publishBody }, bodyLimit: limits.sendBodyLimitBytes },
    async (request) =>
      oneOrBatch('publish', request.body, (one) => topics.publish(request.params.t, one), (batch) => topics.publishBatch(request.params.t, batch)),
  );
};

/** The paging of a list route's query string (digits, checked by its schema). */
export function pageOf(query: ListQuery): { prefix?: string; offset?: number; limit?: number } {
  return {
    prefix: query.prefix,
    offset: query.offset === undefined ? undefined : Number(query.offset),
    limit: query.limit === undefined ? undefined : Number(query.limit),
  };
}
