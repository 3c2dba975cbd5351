/**
 * What a consumer does with a leased message, by its receipt handle: delete (ack, 1-16 at once),
 * change visibility (extend, or 0 to make it ready now), release (nack with an optional delay),
 * and complete (ack plus a reply message, in one commit). A handle that is not the message's
 * current lease fails with RECEIPT_HANDLE_STALE (409); a malformed one with RECEIPT_HANDLE_INVALID.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { ReplyInput } from '../../engine/engine.js';
import type { QueueParams, RouteContext } from './context.js';
import { completeBody, deleteBody, releaseBody, visibilityBody } from './schemas.js';

export const leaseRoutes: FastifyPluginAsync<RouteContext> = async (app, { engine }) => {
  app.post<{ Params: QueueParams; Body: { receiptHandles: string[] } }>(
    '/v1/queues/:q/messages/delete',
    { schema: { body: deleteBody } },
    async (request) => engine.deleteBatch(request.params.q, request.body.receiptHandles),
  );

  app.post<{ Params: QueueParams; Body: { receiptHandle: string; visibilityTimeout: number } }>(
    '/v1/queues/:q/messages/visibility',
    { schema: { body: visibilityBody } },
    async (request) => engine.changeVisibility(request.params.q, request.body.receiptHandle, request.body.visibilityTimeout),
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
