/**
 * The actions the SQS endpoint answers, by the name in `X-Amz-Target: AmazonSQS.<Action>`. SQS
 * actions Spool does not offer (tags, permissions, message move tasks) are UnsupportedOperation,
 * saying why; any other name is InvalidAction. Each action says what it needs of the API key that
 * signed the request, on a broker with keys.
 */
import type { Need } from '../../auth/access.js';
import type { Permission } from '../../auth/api-keys.js';
import { parsedPolicyNeeds } from '../../auth/named-queues.js';
import type { SqsAction } from './context.js';
import { SqsError } from './errors.js';
import { requireString, type Members } from './input.js';
import { changeMessageVisibility, changeMessageVisibilityBatch, deleteMessage, deleteMessageBatch } from './lease-actions.js';
import { createQueue, deleteQueue, getQueueAttributes, getQueueUrl, listDeadLetterSourceQueues, listQueues, purgeQueue, setQueueAttributes } from './queue-actions.js';
import { queueOf } from './naming.js';
import { parseRedrivePolicy } from './queue-attributes.js';
import { receiveMessage } from './receive.js';
import { sendMessage, sendMessageBatch } from './send.js';

/** An action, and what it needs of the key that signed the request (docs/auth.md). */
interface ActionEntry {
  run: SqsAction;
  needs: (input: Members) => Need[];
}

/** The queue a member names, or undefined: a bad one is the action's to report, in SQS's terms. */
function queueNamed(input: Members, member: 'QueueUrl' | 'QueueName'): string | undefined {
  try {
    return member === 'QueueUrl' ? queueOf(input) : requireString(input, member);
  } catch {
    return undefined;
  }
}

const on = (permission: Permission, member: 'QueueUrl' | 'QueueName' = 'QueueUrl') => (input: Members): Need[] => [{ permission, queue: queueNamed(input, member) }];
const looking = (member: 'QueueUrl' | 'QueueName') => (input: Members): Need[] => [{ use: queueNamed(input, member) }];
const admin = (): Need[] => ['admin'];
/** Manage, and send on the dead-letter queue a RedrivePolicy names. */
const managingWithDeadLetters = (member: 'QueueUrl' | 'QueueName') => (input: Members): Need[] => [
  ...on('manage', member)(input),
  ...parsedPolicyNeeds(() => {
    const policy = (input.Attributes as Record<string, unknown> | undefined)?.RedrivePolicy;
    return typeof policy === 'string' ? parseRedrivePolicy(policy) : undefined;
  }),
];

const ACTIONS: Record<string, ActionEntry> = {
  CreateQueue: { run: createQueue, needs: managingWithDeadLetters('QueueName') },
  GetQueueUrl: { run: getQueueUrl, needs: looking('QueueName') },
  ListQueues: { run: listQueues, needs: admin },
  DeleteQueue: { run: deleteQueue, needs: on('manage') },
  PurgeQueue: { run: purgeQueue, needs: on('manage') },
  GetQueueAttributes: { run: getQueueAttributes, needs: looking('QueueUrl') },
  SetQueueAttributes: { run: setQueueAttributes, needs: managingWithDeadLetters('QueueUrl') },
  ListDeadLetterSourceQueues: { run: listDeadLetterSourceQueues, needs: admin },
  SendMessage: { run: sendMessage, needs: on('send') },
  SendMessageBatch: { run: sendMessageBatch, needs: on('send') },
  ReceiveMessage: { run: receiveMessage, needs: on('receive') },
  DeleteMessage: { run: deleteMessage, needs: on('receive') },
  DeleteMessageBatch: { run: deleteMessageBatch, needs: on('receive') },
  ChangeMessageVisibility: { run: changeMessageVisibility, needs: on('receive') },
  ChangeMessageVisibilityBatch: { run: changeMessageVisibilityBatch, needs: on('receive') },
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

export function actionFor(target: string | undefined): ActionEntry {
  if (target === undefined) throw new SqsError('InvalidAction', 'the request has no X-Amz-Target header (AmazonSQS.<Action>)');
  const name = TARGET.exec(target)?.[1];
  if (name !== undefined && Object.hasOwn(ACTIONS, name)) return ACTIONS[name]!;
  if (name !== undefined && Object.hasOwn(UNSUPPORTED, name)) throw new SqsError('UnsupportedOperation', `${name}: ${UNSUPPORTED[name]}`);
  throw new SqsError('InvalidAction', `unknown action ${JSON.stringify(target.slice(0, 100))}; X-Amz-Target must be AmazonSQS.<Action>`);
}
