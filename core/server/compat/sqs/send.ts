/**
 * SendMessage and SendMessageBatch. Each message is checked at the edge in SQS's terms (body
 * characters, DelaySeconds 0-900, typed attributes, body and attributes together within the
 * queue's MaximumMessageSize, a batch within 1 MiB) and replied to with the MD5s of its body,
 * attributes and system attributes. MessageDeduplicationId maps onto Spool's dedupId (a five-minute
 * window on every queue); MessageGroupId is refused: Spool has no message groups.
 */
import type { SendInput } from '../../../engine/validate.js';
import { SpoolError } from '../../../errors.js';
import { failedEntry, readEntries, type FailedEntry } from './batch.js';
import type { SqsAction } from './context.js';
import { SqsError } from './errors.js';
import { optionalInteger, optionalObjectMap, optionalString, requireString, type Members } from './input.js';
import { md5OfAttributes, md5OfBody } from './md5.js';
import { attributesSize, isSqsText, readMessageAttributes, readTraceHeader, toSpoolAttributes, type TypedAttributes } from './message-attributes.js';
import { queueOf } from './naming.js';

/** SQS's cap on a whole SendMessageBatch: its messages together. */
const BATCH_BYTES_MAX = 1_048_576;
const DEDUP_ID = /^[\x21-\x7e]{1,128}$/;

interface Prepared {
  message: SendInput;
  /** What the reply says of the message: its MD5s. */
  digests: Members;
  /** Body and attributes, as SQS counts a message's size. */
  bytes: number;
}

function prepare(input: Members, maxMsgSize: number): Prepared {
  const body = requireString(input, 'MessageBody');
  if (body === '') throw new SqsError('InvalidMessageContents', 'MessageBody must not be empty');
  if (!isSqsText(body)) {
    throw new SqsError('InvalidMessageContents', 'MessageBody may hold only the characters #x9, #xA, #xD, #x20 to #xD7FF, #xE000 to #xFFFD and #x10000 to #x10FFFF');
  }
  const delaySeconds = optionalInteger(input, 'DelaySeconds', 0, 900);
  const attributes = readMessageAttributes(optionalObjectMap(input, 'MessageAttributes'));
  const traceHeader = readTraceHeader(optionalObjectMap(input, 'MessageSystemAttributes'));
  const dedupId = optionalString(input, 'MessageDeduplicationId');
  if (dedupId !== undefined && !DEDUP_ID.test(dedupId)) {
    throw new SqsError('InvalidParameterValue', 'MessageDeduplicationId must be 1-128 letters, digits and punctuation');
  }
  if (optionalString(input, 'MessageGroupId') !== undefined) throw new SqsError('UnsupportedOperation', 'Spool has no message groups (MessageGroupId)');
  const system: TypedAttributes = traceHeader === undefined ? {} : { AWSTraceHeader: { DataType: 'String', StringValue: traceHeader } };
  const bytes = Buffer.byteLength(body) + attributesSize(attributes) + attributesSize(system);
  if (bytes > maxMsgSize) {
    throw new SqsError('InvalidParameterValue', `the message is ${bytes} bytes (body and attributes); this queue's MaximumMessageSize is ${maxMsgSize}`);
  }
  return {
    message: { body, delaySeconds, attributes: toSpoolAttributes(attributes, traceHeader), dedupId },
    digests: { MD5OfMessageBody: md5OfBody(body), MD5OfMessageAttributes: md5OfAttributes(attributes), MD5OfMessageSystemAttributes: md5OfAttributes(system) },
    bytes,
  };
}

export const sendMessage: SqsAction = async (input, { engine }) => {
  const queue = queueOf(input);
  const { attributes } = await engine.getQueue(queue);
  const prepared = prepare(input, attributes.maxMsgSize);
  return { MessageId: await engine.send(queue, prepared.message), ...prepared.digests };
};

/** Entries that fail their checks are reported; the others are stored together, in one commit. */
export const sendMessageBatch: SqsAction = async (input, { engine }) => {
  const queue = queueOf(input);
  const entries = readEntries(input);
  const { attributes } = await engine.getQueue(queue);
  const Failed: FailedEntry[] = [];
  const ready: { id: string; prepared: Prepared }[] = [];
  for (const { id, input: entry } of entries) {
    try {
      ready.push({ id, prepared: prepare(entry, attributes.maxMsgSize) });
    } catch (err) {
      Failed.push(failedEntry(id, err));
    }
  }
  const bytes = ready.reduce((sum, { prepared }) => sum + prepared.bytes, 0);
  if (bytes > BATCH_BYTES_MAX) throw new SqsError('BatchRequestTooLong', `the batch's messages are ${bytes} bytes together; SQS allows ${BATCH_BYTES_MAX}`);
  if (ready.length === 0) return { Successful: [], Failed };
  try {
    const msgIds = await engine.sendBatch(queue, ready.map(({ prepared }) => prepared.message));
    return { Successful: ready.map(({ id, prepared }, i) => ({ Id: id, MessageId: msgIds[i], ...prepared.digests })), Failed };
  } catch (err) {
    // Spool stores a batch whole or not at all: a refusal (a full backlog) fails every entry.
    if (err instanceof SpoolError && err.code === 'QUEUE_NOT_FOUND') throw err;
    return { Successful: [], Failed: [...Failed, ...ready.map(({ id }) => failedEntry(id, err))] };
  }
};
