/**
 * Message actions: SendMessage, BatchSendMessage (msgBody.n, one delaySeconds for the batch, the
 * bodies together at most 1 MiB: 4470/10300), ReceiveMessage, BatchReceiveMessage (numOfMsg 1-16),
 * DeleteMessage and BatchDeleteMessage (receiptHandle.n). A receive that finds nothing, after its
 * long poll, is error 7000 "no message" (module 10200), as CMQ answers. Times in replies are Unix
 * seconds; the lease length is the queue's visibilityTimeout (CMQ has no per-receive one).
 */
import type { ReceivedMessage } from '../../../engine/message.js';
import { SpoolError, isErrorCode } from '../../../errors.js';
import { LIMITS } from '../../../limits.js';
import { longPoll } from '../../http/long-poll.js';
import type { CmqAction, CmqContext } from './context.js';
import { BATCH_BODIES_TOO_LARGE, BATCH_DELETE_FAILED, BATCH_DELETE_PARTLY_FAILED, CmqError, NO_MESSAGE, toCmqError } from './errors.js';
import { queueNamed, seconds } from './naming.js';
import type { Params } from './params.js';

/** CMQ's cap on a batch's bodies together (error 4470, "total message size exceed 1MB"). */
const BATCH_BODIES_MAX_BYTES = 1_048_576;

export const sendMessage: CmqAction = async (params, { engine }) => {
  const queue = queueNamed(params);
  const body = params.string('msgBody');
  const delaySeconds = params.optionalInteger('delaySeconds', 0, LIMITS.delaySecondsMax);
  return { msgId: await engine.send(queue, { body, delaySeconds }) };
};

export const batchSendMessage: CmqAction = async (params, { engine }) => {
  const queue = queueNamed(params);
  const bodies = batchBodies(params);
  const delaySeconds = params.optionalInteger('delaySeconds', 0, LIMITS.delaySecondsMax);
  const msgIds = await engine.sendBatch(queue, bodies.map((body) => ({ body, delaySeconds })));
  return { msgList: msgIds.map((msgId) => ({ msgId })) };
};

/** A batch's msgBody.n (BatchSendMessage, BatchPublishMessage): 1-16 of them, at most 1 MiB together (4470/10300). */
export function batchBodies(params: Params): string[] {
  const bodies = params.list('msgBody');
  const bytes = bodies.reduce((sum, body) => sum + Buffer.byteLength(body), 0);
  if (bytes > BATCH_BODIES_MAX_BYTES) {
    throw new CmqError(BATCH_BODIES_TOO_LARGE, 10300, `the batch's messages are ${bytes} bytes together; at most ${BATCH_BODIES_MAX_BYTES}`);
  }
  return bodies;
}

export const receiveMessage: CmqAction = async (params, context) => {
  const [message] = await receive(params, context, 1);
  return toCmqMessage(message!);
};

export const batchReceiveMessage: CmqAction = async (params, context) => {
  const messages = await receive(params, context, params.integer('numOfMsg', 1, LIMITS.batchMax));
  return { msgInfoList: messages.map(toCmqMessage) };
};

/** Up to `max` messages, after a long poll of pollingWaitSeconds (default: the queue's); 7000 when none came. */
async function receive(params: Params, { engine, limits, lifecycle, response }: CmqContext, max: number): Promise<ReceivedMessage[]> {
  const queue = queueNamed(params);
  const longest = limits.longPollMaxSeconds;
  const range = longest < LIMITS.pollingWaitSecondsMax ? " (this server's limits.longPollMaxSeconds)" : '';
  const waitSeconds = params.optionalInteger('pollingWaitSeconds', 0, longest, range);
  const received = await longPoll(engine, queue, { max, waitSeconds }, longest, lifecycle, response);
  if (received.length === 0) throw new CmqError(NO_MESSAGE, 10200, 'no message');
  return received;
}

function toCmqMessage(message: ReceivedMessage): Record<string, unknown> {
  return {
    msgBody: message.body,
    msgId: message.msgId,
    receiptHandle: message.receiptHandle,
    enqueueTime: seconds(message.enqueueTime),
    firstDequeueTime: seconds(message.firstDequeueTime),
    nextVisibleTime: seconds(message.nextVisibleTime),
    dequeueCount: message.dequeueCount,
  };
}

export const deleteMessage: CmqAction = async (params, { engine }) => {
  const queue = queueNamed(params);
  await engine.delete(queue, params.string('receiptHandle'));
  return {};
};

/** Each handle is deleted or not on its own; any failure makes the reply 6010 (some) or 6020 (all), with errorList. */
export const batchDeleteMessage: CmqAction = async (params, { engine }) => {
  const queue = queueNamed(params);
  const { deleted, failed } = await engine.deleteBatch(queue, params.list('receiptHandle'));
  if (failed.length === 0) return {};
  const errorList = failed.map(({ receiptHandle, code, message }) => {
    const error = toCmqError(new SpoolError(isErrorCode(code) ? code : 'INTERNAL', message));
    return { code: error.code, message: error.text, receiptHandle };
  });
  const none = deleted.length === 0;
  throw new CmqError(none ? BATCH_DELETE_FAILED : BATCH_DELETE_PARTLY_FAILED, none ? 10290 : 10150, `delete message ${none ? '' : 'partially '}failed`, { errorList });
};
