/**
 * ReceiveMessage: 1-10 messages (default 1), a long poll of up to 20 s (and this server's
 * limits.longPollMaxSeconds; the queue's ReceiveMessageWaitTimeSeconds by default), a per-call
 * VisibilityTimeout. Each message carries MD5OfBody, the message attributes that
 * MessageAttributeNames select with their MD5, and the system attributes asked for.
 */
import type { ReceivedMessage } from '../../../engine/message.js';
import { longPoll } from '../../http/long-poll.js';
import type { SqsAction, SqsContext } from './context.js';
import { SqsError } from './errors.js';
import { optionalInteger, optionalString, optionalStringList, type Members } from './input.js';
import { md5OfAttributes, md5OfBody } from './md5.js';
import { fromSpoolAttributes, selectAttributes } from './message-attributes.js';
import { ACCOUNT_ID, queueArn, queueOf } from './naming.js';

const RECEIVE_MAX = 10;
const WAIT_MAX = 20;
/** MessageSystemAttributeName's values; the FIFO ones are accepted and never present. */
const SYSTEM_NAMES = new Set([
  'All', 'SenderId', 'SentTimestamp', 'ApproximateReceiveCount', 'ApproximateFirstReceiveTimestamp', 'AWSTraceHeader',
  'DeadLetterQueueSourceArn', 'MessageDeduplicationId', 'MessageGroupId', 'SequenceNumber',
]);

export const receiveMessage: SqsAction = async (input, context) => {
  const { engine, limits } = context;
  const queue = queueOf(input);
  const max = optionalInteger(input, 'MaxNumberOfMessages', 1, RECEIVE_MAX) ?? 1;
  const longest = Math.min(WAIT_MAX, limits.longPollMaxSeconds);
  const waitSeconds = optionalInteger(input, 'WaitTimeSeconds', 0, longest, longest < WAIT_MAX ? " (this server's limits.longPollMaxSeconds)" : '');
  const visibilityTimeout = optionalInteger(input, 'VisibilityTimeout', 1, 43_200, " (Spool's range; SQS also allows 0)");
  const attributeNames = optionalStringList(input, 'MessageAttributeNames') ?? [];
  // AttributeNames is the deprecated name of MessageSystemAttributeNames; both are honoured.
  const systemNames = [...(optionalStringList(input, 'AttributeNames') ?? []), ...(optionalStringList(input, 'MessageSystemAttributeNames') ?? [])];
  const unknown = systemNames.find((name) => !SYSTEM_NAMES.has(name));
  if (unknown !== undefined) throw new SqsError('InvalidAttributeName', `unknown message system attribute ${JSON.stringify(unknown.slice(0, 200))}`);
  optionalString(input, 'ReceiveRequestAttemptId'); // FIFO only: checked for its type, then ignored as SQS does on standard queues
  const received = await longPoll(engine, queue, { max, waitSeconds, visibilityTimeout }, limits.longPollMaxSeconds, context.lifecycle, context.response);
  // As SQS: no Messages member at all when none came.
  if (received.length === 0) return {};
  return { Messages: received.map((message) => toSqsMessage(message, context, attributeNames, systemNames)) };
};

function toSqsMessage(message: ReceivedMessage, context: SqsContext, attributeNames: string[], systemNames: string[]): Members {
  const { attributes, traceHeader } = fromSpoolAttributes(message.attributes);
  const selected = selectAttributes(attributes, attributeNames);
  const digest = md5OfAttributes(selected);
  const system = systemAttributes(message, traceHeader, context, systemNames);
  return {
    MessageId: message.msgId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: md5OfBody(message.body),
    Body: message.body,
    ...(Object.keys(system).length > 0 && { Attributes: system }),
    ...(digest !== undefined && { MessageAttributes: selected, MD5OfMessageAttributes: digest }),
  };
}

function systemAttributes(message: ReceivedMessage, traceHeader: string | undefined, context: SqsContext, names: string[]): Record<string, string> {
  const all = names.includes('All');
  const wanted = (name: string) => all || names.includes(name);
  const out: Record<string, string> = {};
  if (wanted('SenderId')) out.SenderId = ACCOUNT_ID;
  if (wanted('SentTimestamp')) out.SentTimestamp = String(message.enqueueTime);
  if (wanted('ApproximateReceiveCount')) out.ApproximateReceiveCount = String(message.dequeueCount);
  if (wanted('ApproximateFirstReceiveTimestamp')) out.ApproximateFirstReceiveTimestamp = String(message.firstDequeueTime);
  if (wanted('AWSTraceHeader') && traceHeader !== undefined) out.AWSTraceHeader = traceHeader;
  if (wanted('DeadLetterQueueSourceArn') && message.sourceQueue !== null) out.DeadLetterQueueSourceArn = queueArn(context, message.sourceQueue);
  return out;
}
