/**
 * The actions the CMQ endpoint answers, by the `Action` parameter. CMQ's topic actions are refused
 * saying that this endpoint does not offer them yet (topics are on the native /v1/topics); any other name is CMQ's "action name is not existed" (both
 * 4000/10430); no Action at all is 4000/10280. Each action says what it needs of the API key that
 * signed the request, on a broker with keys: the native API's permissions (docs/auth.md).
 */
import type { Need } from '../../auth/access.js';
import type { Permission } from '../../auth/api-keys.js';
import { parsedPolicyNeeds } from '../../auth/named-queues.js';
import type { CmqAction } from './context.js';
import { paramError } from './errors.js';
import { batchDeleteMessage, batchReceiveMessage, batchSendMessage, deleteMessage, receiveMessage, sendMessage } from './message-actions.js';
import { queueNamedIfValid } from './naming.js';
import type { Params } from './params.js';
import { readDeadLetterPolicy } from './queue-attributes.js';
import {
  createQueue,
  deleteQueue,
  getQueueAttributes,
  listDeadLetterSourceQueues,
  listQueue,
  rewindQueue,
  setQueueAttributes,
  unbindDeadLetterQueue,
} from './queue-actions.js';

interface ActionEntry {
  run: CmqAction;
  needs: (params: Params) => Need[];
}

const on = (permission: Permission) => (params: Params): Need[] => [{ permission, queue: queueNamedIfValid(params) }];
const looking = (params: Params): Need[] => [{ use: queueNamedIfValid(params) }];
const admin = (): Need[] => ['admin'];
/** Manage, and send on the dead-letter queue a deadLetterPolicy names. */
const managingWithDeadLetters = (params: Params): Need[] => [
  ...on('manage')(params),
  ...parsedPolicyNeeds(() => {
    const policy = params.optionalString('deadLetterPolicy');
    return policy === undefined ? undefined : readDeadLetterPolicy(policy);
  }),
];

/** The actions, grouped by what they need. */
function needing(needs: ActionEntry['needs'], actions: Record<string, CmqAction>): Record<string, ActionEntry> {
  return Object.fromEntries(Object.entries(actions).map(([name, run]) => [name, { run, needs }]));
}

const ACTIONS: Record<string, ActionEntry> = {
  ...needing(managingWithDeadLetters, { CreateQueue: createQueue, SetQueueAttributes: setQueueAttributes }),
  ...needing(on('manage'), {
    DeleteQueue: deleteQueue,
    RewindQueue: rewindQueue,
    UnbindDeadLetterQueue: unbindDeadLetterQueue,
  }),
  ...needing(on('send'), { SendMessage: sendMessage, BatchSendMessage: batchSendMessage }),
  ...needing(on('receive'), {
    ReceiveMessage: receiveMessage,
    BatchReceiveMessage: batchReceiveMessage,
    DeleteMessage: deleteMessage,
    BatchDeleteMessage: batchDeleteMessage,
  }),
  ...needing(looking, { GetQueueAttributes: getQueueAttributes }),
  // Manage on `*`, as listing queues needs natively.
  ...needing(admin, { ListQueue: listQueue, ListDeadLetterSourceQueues: listDeadLetterSourceQueues }),
};

/** CMQ's topic model (reference section 2). */
export const TOPIC_ACTIONS: ReadonlySet<string> = new Set([
  'CreateTopic', 'SetTopicAttributes', 'ListTopic', 'GetTopicAttributes', 'DeleteTopic', 'PublishMessage', 'BatchPublishMessage',
  'Subscribe', 'ListSubscriptionByTopic', 'SetSubscriptionAttributes', 'GetSubscriptionAttributes', 'Unsubscribe', 'ClearSubscriptionFilterTags',
]);

export function actionFor(params: Params): ActionEntry {
  const name = params.optionalString('Action');
  if (name === undefined) throw paramError(10280, 'the request has no Action parameter');
  if (Object.hasOwn(ACTIONS, name)) return ACTIONS[name]!;
  if (TOPIC_ACTIONS.has(name)) throw paramError(10430, `${name}: the CMQ endpoint does not offer CMQ's topic actions yet; use the native API's /v1/topics (docs/topics.md, docs/cmq.md)`);
  throw paramError(10430, `action name ${JSON.stringify(name.slice(0, 100))} is not existed`);
}
