/**
 * Sending and receiving: `POST /v1/queues/{q}/messages` (one message or `{messages: [...]}`, 1-16)
 * and `POST /v1/queues/{q}/messages/receive` (long poll up to limits.longPollMaxSeconds).
 */
import type { FastifyPluginAsync } from 'fastify';
import { SpoolError } from '../../errors.js';
import type { SendInput } from '../../engine/validate.js';
import type { QueueParams, RouteContext } from './context.js';
import { longPoll } from './long-poll.js';
import { receiveBody, sendBody } from './schemas.js';

type SendBody = Partial<SendInput> & { messages?: SendInput[] };

interface ReceiveBody {
  max?: number;
  waitSeconds?: number;
  visibilityTimeout?: number;
}

/**
 * A body of one message (`{body, ...}`) or a batch (`{messages: [...]}`), not both: `{msgId}` or
 * `{msgIds}` from the matching call. Shared by send and publish.
 */
export async function oneOrBatch<M>(
  verb: string,
  body: Partial<M> & { messages?: M[] },
  one: (message: M) => Promise<string>,
  batch: (messages: M[]) => Promise<string[]>,
): Promise<{ msgId: string } | { msgIds: string[] }> {
  const { messages, ...single } = body;
  if (messages === undefined) return { msgId: await one(single as M) };
  if (Object.keys(single).length > 0) {
    throw new SpoolError('INVALID_PARAMETER', `${verb} either one message ({body, ...}) or a batch ({messages: [...]}), not both`);
  }
  return { msgIds: await batch(messages) };
}

export const messageRoutes: FastifyPluginAsync<RouteContext> = async (app, { engine, limits, lifecycle }) => {
  app.post<{ Params: QueueParams; Body: SendBody }>(
    '/v1/queues/:q/messages',
    { schema: { body: sendBody }, bodyLimit: limits.sendBodyLimitBytes },
    async (request) =>
      oneOrBatch('send', request.body, (one) => engine.send(request.params.q, one), (batch) => engine.sendBatch(request.params.q, batch)),
  );

  app.post<{ Params: QueueParams; Body: ReceiveBody | null | undefined }>(
    '/v1/queues/:q/messages/receive',
    { schema: { body: receiveBody } },
    async (request, reply) => {
      const { q } = request.params;
      const body = request.body ?? {};
      const { waitSeconds } = body;
      if (waitSeconds !== undefined && waitSeconds > limits.longPollMaxSeconds) {
        throw new SpoolError('INVALID_PARAMETER', `waitSeconds must be an integer from 0 to ${limits.longPollMaxSeconds}, got ${waitSeconds}`);
      }
      const options = { max: body.max, waitSeconds, visibilityTimeout: body.visibilityTimeout };
      return { messages: await longPoll(engine, q, options, limits.longPollMaxSeconds, lifecycle, reply.raw) };
    },
  );
};
