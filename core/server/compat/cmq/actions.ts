/**
 * The actions the CMQ endpoint answers, by the `Action` parameter: CMQ's queue model and its topic
 * model (topics, publish, subscriptions), each on the engine's API as the native routes use it. Any
 * other name is CMQ's "action name is not existed" (4000/10430); no Action at all is 4000/10280.
 * Each action says what it needs of the API key that signed the request, on a broker with keys:
 * the native API's permissions (docs/auth.md). A topic action needs exactly what the native route
 * that does the same needs: its needs are that route's, from the one table in auth/access.ts.
 */
import { routeNeeds, type Need } from '../../auth/access.js';
import type { Permission } from '../../auth/api-keys.js';
import { parsedPolicyNeeds } from '../../auth/named-queues.js';
import type { CmqAction } from './context.js';
import { paramError } from './errors.js';
import { batchDeleteMessage, batchReceiveMessage, batchSendMessage, deleteMessage, receiveMessage, sendMessage } from './message-actions.js';
import { namedIfValid } from './naming.js';
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
import {
  clearSubscriptionFilterTags,
  getSubscriptionAttributes,
  listSubscriptionByTopic,
  setSubscriptionAttributes,
  subscribe,
  unsubscribe,
} from './subscription-actions.js';
import { batchPublishMessage, createTopic, deleteTopic, getTopicAttributes, listTopic, publishMessage, setTopicAttributes } from './topic-actions.js';
import { protocolOf } from './topic-params.js';

interface ActionEntry {
  run: CmqAction;
  needs: (params: Params) => Need[];
}

const queueNamed = (params: Params) => namedIfValid(params, 'queueName');
const on = (permission: Permission) => (params: Params): Need[] => [{ permission, queue: queueNamed(params) }];
const looking = (params: Params): Need[] => [{ use: queueNamed(params) }];
const admin = (): Need[] => ['admin'];
/** Manage, and send on the dead-letter queue a deadLetterPolicy names. */
const managingWithDeadLetters = (params: Params): Need[] => [
  ...on('manage')(params),
  ...parsedPolicyNeeds(() => {
    const policy = params.optionalString('deadLetterPolicy');
    return policy === undefined ? undefined : readDeadLetterPolicy(policy);
  }),
];

/**
 * What the native `route` needs (access.ts), for the topic and the body fields that the CMQ
 * request names: `topicName` as the route's `:t`, and `body` read from the parameters.
 */
const asRoute = (route: string, body: (params: Params) => unknown = () => undefined) => (params: Params): Need[] => [
  ...routeNeeds(route, { params: { t: namedIfValid(params, 'topicName') }, body: body(params) }),
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

  ...needing(asRoute('POST /v1/topics', (params) => ({ name: namedIfValid(params, 'topicName') })), { CreateTopic: createTopic }),
  ...needing(asRoute('GET /v1/topics'), { ListTopic: listTopic }),
  ...needing(asRoute('GET /v1/topics/:t'), { GetTopicAttributes: getTopicAttributes }),
  ...needing(asRoute('PATCH /v1/topics/:t/attributes'), { SetTopicAttributes: setTopicAttributes }),
  ...needing(asRoute('DELETE /v1/topics/:t'), { DeleteTopic: deleteTopic }),
  ...needing(asRoute('POST /v1/topics/:t/messages'), { PublishMessage: publishMessage, BatchPublishMessage: batchPublishMessage }),
  // A queue subscription also needs send on its queue; the route's rule tells them apart by protocol.
  ...needing(asRoute('POST /v1/topics/:t/subscriptions', (params) => ({ protocol: protocolOf(params.peek('protocol')), endpoint: params.peek('endpoint') })), {
    Subscribe: subscribe,
  }),
  ...needing(asRoute('GET /v1/topics/:t/subscriptions'), { ListSubscriptionByTopic: listSubscriptionByTopic }),
  ...needing(asRoute('GET /v1/topics/:t/subscriptions/:s'), { GetSubscriptionAttributes: getSubscriptionAttributes }),
  ...needing(asRoute('PATCH /v1/topics/:t/subscriptions/:s/attributes'), {
    SetSubscriptionAttributes: setSubscriptionAttributes,
    ClearSubscriptionFilterTags: clearSubscriptionFilterTags,
    // The spelling CMQ's Java and Go SDKs send for ClearSubscriptionFilterTags.
    ClearSUbscriptionFIlterTags: clearSubscriptionFilterTags,
  }),
  ...needing(asRoute('DELETE /v1/topics/:t/subscriptions/:s'), { Unsubscribe: unsubscribe }),
};

/** CMQ's topic model (reference section 2): every one of them is answered here. */
export const TOPIC_ACTIONS: ReadonlySet<string> = new Set([
  'CreateTopic', 'SetTopicAttributes', 'ListTopic', 'GetTopicAttributes', 'DeleteTopic', 'PublishMessage', 'BatchPublishMessage',
  'Subscribe', 'ListSubscriptionByTopic', 'SetSubscriptionAttributes', 'GetSubscriptionAttributes', 'Unsubscribe', 'ClearSubscriptionFilterTags',
]);

export function actionFor(params: Params): ActionEntry {
  const name = params.optionalString('Action');
  if (name === undefined) throw paramError(10280, 'the request has no Action parameter');
  if (Object.hasOwn(ACTIONS, name)) return ACTIONS[name]!;
  throw paramError(10430, `action name ${JSON.stringify(name.slice(0, 100))} is not existed`);
}
