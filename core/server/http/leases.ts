/**
 * What a consumer does with a leased message, by its receipt handle: delete (ack, 1-16 at once),
 * change visibility (extend, or 0 to make it ready now), release (nack with an optional delay),
 * and complete (ack plus a reply message, in one commit). A handle that is not the message's
 * current lease fails with RECEIPT_HANDLE_STALE (409); a malformed one with RECEIPT_HANDLE_INVALID.
 * Cancel works by msgId, for whoever posted the message: it removes one not leased, or tells the
 * consumer holding the lease.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ReplyInput } from '../../engine/engine.js';
import type { QueueParams, RouteContext } from './context.js';
import { cancelBody, completeBody, deleteBody, releaseBody, visibilityBody } from './schemas.js';

export const leaseRoutes: FastifyPluginAsync<RouteContext> = async (app, { engine }) => {
  app.post<{ Params: QueueParams; Body: { receiptHandles: string[] } }>(
    '/v1/queues/:q/messages/delete',
    { schema: { body: deleteBody } },
    async (request) => engine.deleteBatch(request.params.q, request.body.receiptHandles),
  );

  app.post<{ Params: QueueParams; Body: { receiptHandle: string; visibilityTimeout: number; body?: string } }>(
    '/v1/queues/:q/messages/visibility',
    { schema: { body: visibilityBody } },
    async (request) => {
      const { receiptHandle, visibilityTimeout, body } = request.body;
      return engine.changeVisibility(request.params.q, receiptHandle, visibilityTimeout, body === undefined ? {} : { body });
    },
  );

  app.post<{ Params: QueueParams; Body: { msgId: string } }>(
    '/v1/queues/:q/messages/cancel',
    { schema: { body: cancelBody } },
    async (request) => ({ outcome: await engine.cancelMessage(request.params.q, request.body.msgId) }),
  );

  app.post<{ Params: QueueParams; Body: { receiptHandle: string; delaySeconds?: number } }>(
    '/v1/queues/:q/messages/release',
    { schema: { body: releaseBody } },
    async (request) => {
      await engine.release(request.params.q, request.body.receiptHandle, request.body.delaySeconds);
      return {};
    },
  );

  app.post<{ Params: QueueParams; Body: { receiptHandle: string; reply: ReplyInput } }>(
    '/v1/queues/:q/messages/complete',
    { schema: { body: completeBody } },
    async (request) => ({ msgId: await engine.complete(request.params.q, request.body.receiptHandle, request.body.reply) }),
  );
};
