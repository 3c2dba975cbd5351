/** `spool topic ...`: create, list, get, set, delete, publish, subscribe, unsubscribe, subscriptions (docs/topics.md). */
import type { Argv } from 'yargs';
import type { TopicAttributesInput } from '../../core/engine/topic-input.js';
import type { TopicInfo, TopicSubscription } from '../../core/client/topics.js';
import { integer, UsageError, withClient } from '../args.js';
import { commandGroup, named, paging, pagingFlags, report, sub, type Args, type Common } from '../command-group.js';
import { printJson, table, time } from '../output.js';

const FILTER_TYPES: Record<string, 1 | 2> = { tags: 1, 'routing-key': 2 };

function topicFlags<T>(y: Argv<T>, create: boolean): Argv<T> {
  let out = y.option('max-msg-size', { describe: 'Largest body, bytes (1024-1048576)', coerce: integer('max-msg-size') });
  if (create) out = out.option('filter', { choices: Object.keys(FILTER_TYPES), describe: 'How subscriptions filter, fixed once set [default: tags]' });
  return out;
}

function topicAttributes(args: Args): TopicAttributesInput {
  const attributes: TopicAttributesInput = {};
  if (args['max-msg-size'] !== undefined) attributes.maxMsgSize = args['max-msg-size'] as number;
  if (args.filter !== undefined) attributes.filterType = FILTER_TYPES[args.filter as string];
  return attributes;
}

function printTopic(topic: TopicInfo, json: boolean | undefined): void {
  if (json) return printJson(topic);
  const rows = [
    ['filter', topic.attributes.filterType === 1 ? 'tags (1)' : 'routing key (2)'],
    ['maxMsgSize', topic.attributes.maxMsgSize],
    ['created', time(topic.createdAt)],
    ['modified', time(topic.modifiedAt)],
  ];
  process.stdout.write(`topic ${topic.name}\n${table(['attribute', 'value'], rows)}\n`);
}

function filterOf(s: TopicSubscription): string {
  const filter = s.bindingKeys.length > 0 ? s.bindingKeys : s.filterTags;
  return filter.length > 0 ? filter.join(' ') : '(all)';
}

const subscriptionArgs = (y: Argv<Common>) =>
  named('Topic name')(y).positional('subscription', { type: 'string', demandOption: true, describe: 'Subscription name' });

const subcommands = [
  sub({
    command: 'create <name>',
    describe: 'Create a topic (same name and attributes again is fine)',
    builder: (y) => topicFlags(named('Topic name')(y), true) as unknown as Argv<Args>,
    handler: (args) =>
      withClient(args, async (client) => {
        const { created, topic } = await client.createTopic(args.name, topicAttributes(args));
        if (args.json) printJson({ created, topic });
        else process.stdout.write(`${created ? 'created' : 'exists (same attributes)'}: ${topic.name}\n`);
      }),
  }),
  sub({
    command: 'list',
    describe: 'List topics',
    builder: (y) => pagingFlags(y) as unknown as Argv<Args>,
    handler: (args) =>
      withClient(args, async (client) => {
        const page = await client.listTopics(paging(args));
        if (args.json) return printJson(page);
        const rows = page.topics.map((t) => [t.name, t.attributes.filterType === 1 ? 'tags' : 'routing-key', t.attributes.maxMsgSize, time(t.createdAt)]);
        process.stdout.write(`${table(['topic', 'filter', 'maxMsgSize', 'created'], rows)}\n${page.topics.length} of ${page.total}\n`);
      }),
  }),
  sub({
    command: 'get <name>',
    describe: 'Show a topic’s attributes',
    builder: named('Topic name'),
    handler: (args) => withClient(args, async (client) => printTopic(await client.getTopic(args.name), args.json)),
  }),
  sub({
    command: 'set <name>',
    describe: 'Change a topic’s maxMsgSize (its filter is fixed)',
    builder: (y) => topicFlags(named('Topic name')(y), false) as unknown as Argv<Args>,
    handler: (args) =>
      withClient(args, async (client) => {
        const attributes = topicAttributes(args);
        if (Object.keys(attributes).length === 0) throw new UsageError('give --max-msg-size');
        printTopic(await client.setTopicAttributes(args.name, attributes), args.json);
      }),
  }),
  sub({
    command: 'delete <name>',
    describe: 'Delete a topic (refused while it has subscriptions)',
    builder: named('Topic name'),
    handler: (args) =>
      withClient(args, async (client) => {
        await client.deleteTopic(args.name);
        report(args, { deleted: args.name }, `deleted: ${args.name}`);
      }),
  }),
  sub({
    command: 'publish <name> <body>',
    describe: 'Publish a message: a copy goes to every matching subscription’s queue',
    builder: (y) =>
      named('Topic name')(y)
        .positional('body', { type: 'string', demandOption: true, describe: 'Message body' })
        .option('tag', { type: 'string', array: true, describe: 'A tag (tags topics; repeat for up to 5)' })
        .option('routing-key', { type: 'string', describe: 'Routing key (routing-key topics), e.g. app.db.error' }) as unknown as Argv<Args>,
    handler: (args) =>
      withClient(args, async (client) => {
        const tags = args.tag as string[] | undefined;
        const routingKey = args['routing-key'] as string | undefined;
        const msgId = await client.publish(args.name, { body: String(args.body), ...(tags && { tags }), ...(routingKey !== undefined && { routingKey }) });
        report(args, { msgId }, msgId);
      }),
  }),
  sub({
    command: 'subscribe <name> <subscription>',
    describe: 'Subscribe a queue to a topic',
    builder: (y) =>
      subscriptionArgs(y)
        .option('queue', { type: 'string', describe: 'The queue that gets the copies (it must exist)' })
        .option('http', { type: 'string', describe: 'Or: the http(s) URL the broker POSTs each message to' })
        .option('format', { choices: ['JSON', 'SIMPLIFIED'] as const, describe: 'With --http: CMQ’s JSON envelope or the raw body [default: JSON]' })
        .option('tag', { type: 'string', array: true, describe: 'Only messages with this tag (tags topics; repeat for up to 5)' })
        .option('binding-key', { type: 'string', array: true, describe: 'Binding key, * one word, # zero or more (routing-key topics; up to 5)' })
        .option('notify-strategy', { choices: ['BACKOFF_RETRY', 'EXPONENTIAL_DECAY_RETRY'] as const }) as unknown as Argv<Args>,
    handler: (args) =>
      withClient(args, async (client) => {
        const filterTags = args.tag as string[] | undefined;
        const bindingKeys = args['binding-key'] as string[] | undefined;
        const notifyStrategy = args['notify-strategy'] as TopicSubscription['notifyStrategy'] | undefined;
        const notifyContentFormat = args.format as TopicSubscription['notifyContentFormat'] | undefined;
        const http = args.http as string | undefined;
        if ((http === undefined) === (args.queue === undefined)) throw new UsageError('give --queue <name> or --http <url>');
        if (notifyContentFormat !== undefined && http === undefined) throw new UsageError('--format goes with --http (a queue subscription is SIMPLIFIED)');
        const created = await client.subscribeTopic(args.name, args.subscription as string, {
          protocol: http === undefined ? 'queue' : 'http',
          endpoint: http ?? (args.queue as string),
          ...(filterTags && { filterTags }),
          ...(bindingKeys && { bindingKeys }),
          ...(notifyStrategy && { notifyStrategy }),
          ...(notifyContentFormat && { notifyContentFormat }),
        });
        report(args, created, `subscribed: ${created.name} (${args.name} → ${created.protocol} ${created.endpoint}, ${filterOf(created)})`);
      }),
  }),
  sub({
    command: 'unsubscribe <name> <subscription>',
    describe: 'Remove a subscription (its queue and the copies in it stay)',
    builder: (y) => subscriptionArgs(y) as unknown as Argv<Args>,
    handler: (args) =>
      withClient(args, async (client) => {
        await client.unsubscribeTopic(args.name, args.subscription as string);
        report(args, { unsubscribed: args.subscription }, `unsubscribed: ${args.subscription as string}`);
      }),
  }),
  sub({
    command: 'subscriptions <name>',
    describe: 'List a topic’s subscriptions',
    builder: (y) => pagingFlags(named('Topic name')(y)) as unknown as Argv<Args>,
    handler: (args) =>
      withClient(args, async (client) => {
        const page = await client.listTopicSubscriptions(args.name, paging(args));
        if (args.json) return printJson(page);
        const rows = page.subscriptions.map((s) => [s.name, s.protocol, s.endpoint, filterOf(s), s.notifyStrategy]);
        process.stdout.write(`${table(['subscription', 'protocol', 'endpoint', 'filter', 'notifyStrategy'], rows)}\n${page.subscriptions.length} of ${page.total}\n`);
      }),
  }),
];

export const topicCommand = commandGroup('topic', 'Administer topics and publish to them', subcommands);
