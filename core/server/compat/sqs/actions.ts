/**
 * The actions the SQS endpoint answers, by the name in `X-Amz-Target: AmazonSQS.<Action>`. SQS
 * actions Spool does not offer (tags, permissions, message move tasks) are UnsupportedOperation,
 * saying why; any other name is InvalidAction.
 */
import type { SqsAction } from './context.js';
import { SqsError } from './errors.js';
import { changeMessageVisibility, changeMessageVisibilityBatch, deleteMessage, deleteMessageBatch } from './lease-actions.js';
import { createQueue, deleteQueue, getQueueAttributes, getQueueUrl, listDeadLetterSourceQueues, listQueues, purgeQueue, setQueueAttributes } from './queue-actions.js';
import { receiveMessage } from './receive.js';
import { sendMessage, sendMessageBatch } from './send.js';

const ACTIONS: Record<string, SqsAction> = {
  CreateQueue: createQueue,
  GetQueueUrl: getQueueUrl,
  ListQueues: listQueues,
  DeleteQueue: deleteQueue,
  PurgeQueue: purgeQueue,
  GetQueueAttributes: getQueueAttributes,
  SetQueueAttributes: setQueueAttributes,
  ListDeadLetterSourceQueues: listDeadLetterSourceQueues,
  SendMessage: sendMessage,
  SendMessageBatch: sendMessageBatch,
  ReceiveMessage: receiveMessage,
  DeleteMessage: deleteMessage,
  DeleteMessageBatch: deleteMessageBatch,
  ChangeMessageVisibility: changeMessageVisibility,
  ChangeMessageVisibilityBatch: changeMessageVisibilityBatch,
};

const NO_TAGS = 'Spool does not support queue tags';
const NO_PERMISSIONS = 'Spool has no IAM permissions; access control is the broker\'s own (docs/sqs.md)';
const NO_MOVE_TASKS = 'Spool has no message move tasks; move dead letters back with POST /v1/queues/{q}/redrive';

const UNSUPPORTED: Record<string, string> = {
  TagQueue: NO_TAGS,
  UntagQueue: NO_TAGS,
  ListQueueTags: NO_TAGS,
  AddPermission: NO_PERMISSIONS,
  RemovePermission: NO_PERMISSIONS,
  StartMessageMoveTask: NO_MOVE_TASKS,
  CancelMessageMoveTask: NO_MOVE_TASKS,
  ListMessageMoveTasks: NO_MOVE_TASKS,
};

const TARGET = /^AmazonSQS\.([A-Za-z]{1,64})$/;

export function actionFor(target: string | undefined): SqsAction {
  if (target === undefined) throw new SqsError('InvalidAction', 'the request has no X-Amz-Target header (AmazonSQS.<Action>)');
  const name = TARGET.exec(target)?.[1];
  if (name !== undefined && Object.hasOwn(ACTIONS, name)) return ACTIONS[name]!;
  if (name !== undefined && Object.hasOwn(UNSUPPORTED, name)) throw new SqsError('UnsupportedOperation', `${name}: ${UNSUPPORTED[name]}`);
  throw new SqsError('InvalidAction', `unknown action ${JSON.stringify(target.slice(0, 100))}; X-Amz-Target must be AmazonSQS.<Action>`);
}
