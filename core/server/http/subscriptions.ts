/**
 * A topic's subscriptions (docs/topics.md): subscribe (201; SUBSCRIPTION_EXISTS, 409, when the
 * name is taken), list, read, change settings, unsubscribe.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { SubscriptionInput, SubscriptionSettingsInput } from '../../engine/topic-input.js';
import type { RouteContext, SubscriptionParams, TopicParams } from './context.js';
import { listQuery, subscribeBody, subscriptionAttributesBody } from './schemas.js';
import { pageOf } from './topics.js';

export const subscriptionRoutes: FastifyPluginAsync<RouteContext> = async (app, { engine }) => {
  const { topics } = engine;

  app.post<{ Params: TopicParams; Body: SubscriptionInput & { name: string } }>(
    '/v1/topics/:t/subscriptions',
    { schema: { body: subscribeBody } },
    async (request, reply) => {
      const { name, ...input } = request.body;
      return reply.code(201).send(await topics.subscribe(request.params.t, name, input));
    },
  );

  app.get<{ Params: TopicParams; Querystring: { prefix?: string; offset?: string; limit?: string } }>(
    '/v1/topics/:t/subscriptions',
    { schema: { querystring: listQuery } },
    async (request) => topics.listSubscriptions(request.params.t, pageOf(request.query)),
  );

  app.get<{ Params: SubscriptionParams }>('/v1/topics/:t/subscriptions/:s', async (request) => topics.getSubscription(request.params.t, request.params.s));

  const setAttributes = { schema: { body: subscriptionAttributesBody } };
  const handleSetAttributes = async (request: { params: SubscriptionParams; body: SubscriptionSettingsInput }) =>
    topics.setSubscriptionAttributes(request.params.t, request.params.s, request.body);
  app.patch<{ Params: SubscriptionParams; Body: SubscriptionSettingsInput }>('/v1/topics/:t/subscriptions/:s/attributes', setAttributes, handleSetAttributes);
  app.put<{ Params: SubscriptionParams; Body: SubscriptionSettingsInput }>('/v1/topics/:t/subscriptions/:s/attributes', setAttributes, handleSetAttributes);

  app.delete<{ Params: SubscriptionParams }>('/v1/topics/:t/subscriptions/:s', async (request, reply) => {
    await topics.unsubscribe(request.params.t, request.params.s);
    return reply.code(204).send();
  });
};
