/**
 * Topic actions: CreateTopic, ListTopic, GetTopicAttributes, SetTopicAttributes, DeleteTopic,
 * PublishMessage and BatchPublishMessage, on the engine's topics (docs/topics.md). As in CMQ,
 * CreateTopic refuses any existing name, compared case-insensitively (module 10550), where the
 * native API accepts the same name with the same attributes. A publish that reaches nobody is
 * 6030: module 10650 when the topic has no subscriptions, 10730 when none matches.
 */
import type { TopicRecord } from '../../../store/topic-store.js';
import type { CmqAction } from './context.js';
import { cmqError, type CmqError } from './errors.js';
import { listPage, listReply, readPage } from './listing.js';
import { batchBodies } from './message-actions.js';
import { seconds, topicId, topicNamed } from './naming.js';
import type { Params } from './params.js';
import { RANGES } from './queue-attributes.js';
import { readRouting, refining } from './topic-params.js';

/**
 * What GetTopicAttributes gives as msgRetentionSeconds: CMQ's fixed day. Spool keeps no topic
 * messages: copies live in their queues, and an http subscription's pushes are given up a day
 * after the publish (docs/topics.md).
 */
const TOPIC_RETENTION_SECONDS = 86_400;

/** The module code of a publish without a routingKey to a topic that routes by key (filterType 2). */
const ROUTING_KEY_MISSING = 10700;

/** maxMsgSize (1024-1048576) and filterType (1 or 2; empty means 1, as CMQ has it), where given. */
function readTopicAttributes(params: Params): { maxMsgSize?: number; filterType?: 1 | 2 } {
  const maxMsgSize = params.optionalInteger('maxMsgSize', ...RANGES.maxMsgSize);
  const filterType = params.optionalString('filterType') === '' ? undefined : params.optionalInteger('filterType', 1, 2);
  return { ...(maxMsgSize !== undefined && { maxMsgSize }), ...(filterType !== undefined && { filterType: filterType as 1 | 2 }) };
}

export const createTopic: CmqAction = async (params, { engine }) => {
  const name = topicNamed(params);
  const attributes = readTopicAttributes(params);
  // Two creates racing past this check with names that differ in case still make two topics.
  const clash = (await engine.topics.allTopics()).find((topic) => topic.name.toLowerCase() === name.toLowerCase());
  // Named as asked, not as it exists: the caller may not be allowed to see the other topic's name.
  if (clash) throw exists(name);
  const { created, topic } = await engine.topics.createTopic(name, attributes);
  if (!created) throw exists(name);
  return { topicId: topicId(topic) };
};

function exists(name: string): CmqError {
  return cmqError('TOPIC_EXISTS', 10550, `topic is already existed, case insensitive: ${JSON.stringify(name)}`);
}

export const listTopic: CmqAction = async (params, { engine }) =>
  listReply('topicList', (topic: TopicRecord) => ({ topicId: topicId(topic), topicName: topic.name }), await listPage(readPage(params), engine.topics.topicsPage));

export const getTopicAttributes: CmqAction = async (params, { engine }) => {
  const topic = await engine.topics.getTopic(topicNamed(params));
  return {
    topicId: topicId(topic),
    // No topic backlog: a publish is in its subscriptions' queues once acknowledged.
    msgCount: 0,
    maxMsgSize: topic.attributes.maxMsgSize,
    msgRetentionSeconds: TOPIC_RETENTION_SECONDS,
    createTime: seconds(topic.createdAt),
    lastModifyTime: seconds(topic.modifiedAt),
    filterType: topic.attributes.filterType,
  };
};

/** maxMsgSize only, as CMQ: filterType is fixed once set, and is not read here. */
export const setTopicAttributes: CmqAction = async (params, { engine }) => {
  const name = topicNamed(params);
  const maxMsgSize = params.optionalInteger('maxMsgSize', ...RANGES.maxMsgSize);
  await (maxMsgSize === undefined ? engine.topics.getTopic(name) : engine.topics.setTopicAttributes(name, { maxMsgSize }));
  return {};
};

export const deleteTopic: CmqAction = async (params, { engine }) => {
  await engine.topics.deleteTopic(topicNamed(params));
  return {};
};

export const publishMessage: CmqAction = async (params, { engine }) => {
  const topic = topicNamed(params);
  const message = { body: params.string('msgBody'), ...readRouting(params) };
  const keyMissing = message.routingKey === undefined ? ROUTING_KEY_MISSING : null;
  return { msgId: await refining(engine, topic, keyMissing, () => engine.topics.publish(topic, message)) };
};

/** msgBody.n (1-16, 1 MiB together), with one msgTag.n and routingKey for the whole batch, as CMQ has them. */
export const batchPublishMessage: CmqAction = async (params, { engine }) => {
  const topic = topicNamed(params);
  const bodies = batchBodies(params);
  const routing = readRouting(params);
  const keyMissing = routing.routingKey === undefined ? ROUTING_KEY_MISSING : null;
  const msgIds = await refining(engine, topic, keyMissing, () => engine.topics.publishBatch(topic, bodies.map((body) => ({ body, ...routing }))));
  return { msgList: msgIds.map((msgId) => ({ msgId })) };
};
