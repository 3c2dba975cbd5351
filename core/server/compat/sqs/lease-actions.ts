/**
 * What a consumer does with a received message, by its receipt handle: DeleteMessage(Batch) and
 * ChangeMessageVisibility(Batch) (0-43200 s; 0 makes it receivable at once). A handle that is not
 * the message's current lease is refused with ReceiptHandleIsInvalid and changes nothing, where
 * SQS may answer success without deleting (docs/sqs.md).
 */
import { settleEach, readEntries } from './batch.js';
import type { SqsAction } from './context.js';
import { requireInteger, requireString, type Members } from './input.js';
import { queueOf } from './naming.js';

const VISIBILITY_MAX = 43_200;

export const deleteMessage: SqsAction = async (input, { engine }) => {
  await engine.delete(queueOf(input), requireString(input, 'ReceiptHandle'));
  return {};
};

export const changeMessageVisibility: SqsAction = async (input, { engine }) => {
  const queue = queueOf(input);
  await engine.changeVisibility(queue, requireString(input, 'ReceiptHandle'), requireInteger(input, 'VisibilityTimeout', 0, VISIBILITY_MAX));
  return {};
};

export const deleteMessageBatch: SqsAction = async (input, { engine }) => {
  const queue = queueOf(input);
  const entries = readEntries(input);
  // A missing queue fails the request, not each entry.
  await engine.getQueue(queue);
  return settleEach(entries, (entry: Members) => engine.delete(queue, requireString(entry, 'ReceiptHandle')));
};

export const changeMessageVisibilityBatch: SqsAction = async (input, { engine }) => {
  const queue = queueOf(input);
  const entries = readEntries(input);
  await engine.getQueue(queue);
  return settleEach(entries, (entry: Members) =>
    engine.changeVisibility(queue, requireString(entry, 'ReceiptHandle'), requireInteger(entry, 'VisibilityTimeout', 0, VISIBILITY_MAX)),
  );
};
