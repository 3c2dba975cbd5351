/** `spool queue ...`: create, list, get, set, delete, purge, rewind, redrive, stats. */
import type { Argv, CommandModule } from 'yargs';
import type { QueueAttributesInput } from '../../core/engine/attributes.js';
import { integer, parseTime, withClient } from '../args.js';
import { printJson, table, time } from '../output.js';

interface Common {
  url: string;
  json?: boolean;
}

interface NamedArgs extends Common {
  name: string;
}

/** The queue attributes as flags (CMQ's names, seconds); only those given are sent. */
const ATTRIBUTE_FLAGS = {
  'visibility-timeout': { key: 'visibilityTimeout', describe: 'Lease length, s (1-43200)' },
  'polling-wait-seconds': { key: 'pollingWaitSeconds', describe: 'Default long-poll wait, s (0-30)' },
  'max-msg-size': { key: 'maxMsgSize', describe: 'Largest body, bytes (1024-1048576)' },
  'msg-retention-seconds': { key: 'msgRetentionSeconds', describe: 'Retention, s (60-1296000)' },
  'rewind-seconds': { key: 'rewindSeconds', describe: 'Keep deleted messages for rewind, s (0 = off)' },
  'max-msg-heap-num': { key: 'maxMsgHeapNum', describe: 'Backlog cap, messages' },
  'delay-seconds': { key: 'delaySeconds', describe: 'Default delay of new messages, s (0-3600)' },
} as const;

function withAttributeFlags<T>(y: Argv<T>) {
  let out = y as Argv<T>;
  for (const [flag, spec] of Object.entries(ATTRIBUTE_FLAGS)) out = out.option(flag, { type: 'number', describe: spec.describe, coerce: integer(flag) });
  return out
    .option('dead-letter-queue', { type: 'string', describe: 'Dead-letter queue name (with --max-receive-count or --max-time-to-live)' })
    .option('max-receive-count', { type: 'number', describe: 'Dead-letter after this many deliveries (1-1000)', coerce: integer('max-receive-count') })
    .option('max-time-to-live', { type: 'number', describe: 'Dead-letter after this age, s (300-43200)', coerce: integer('max-time-to-live') })
    .option('no-dead-letter', { type: 'boolean', describe: 'Remove the dead-letter policy (set only)' });
}

function attributesFrom(args: Record<string, unknown>): QueueAttributesInput {
  const attributes: Record<string, unknown> = {};
  for (const [flag, spec] of Object.entries(ATTRIBUTE_FLAGS)) if (args[flag] !== undefined) attributes[spec.key] = args[flag];
  const dlq = args['dead-letter-queue'];
  if (dlq !== undefined) {
    const ttl = args['max-time-to-live'];
    attributes.deadLetterPolicy =
      ttl !== undefined
        ? { deadLetterQueue: dlq, policy: 1, maxTimeToLive: ttl }
        : { deadLetterQueue: dlq, policy: 0, maxReceiveCount: args['max-receive-count'] ?? 10 };
  } else if (args['max-receive-count'] !== undefined || args['max-time-to-live'] !== undefined) {
    throw new Error('--max-receive-count and --max-time-to-live need --dead-letter-queue');
  }
  if (args['dead-letter'] === false) attributes.deadLetterPolicy = null;
  return attributes as QueueAttributesInput;
}

function named(describe: string) {
  return (y: Argv<Common>) => y.positional('name', { type: 'string', demandOption: true, describe });
}

function printQueue(details: { name: string; attributes: object; stats?: object }, json: boolean | undefined): void {
  if (json) return printJson(details);
  const rows = Object.entries({ ...details.attributes, ...details.stats }).map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as string | number)]);
  process.stdout.write(`queue ${details.name}\n${table(['attribute', 'value'], rows)}\n`);
}

type Args = NamedArgs & Record<string, unknown>;

/** Each subcommand's builder narrows its own args; the group only needs the common ones. */
const sub = (module: CommandModule<Common, Args>) => module as unknown as CommandModule<Common, Common>;

const subcommands = [
  sub({
    command: 'create <name>',
    describe: 'Create a queue (same name and attributes again is fine)',
    builder: (y) => withAttributeFlags(named('Queue name')(y)),
    handler: (args) =>
      withClient(args, async (client) => {
        const { created, queue } = await client.createQueue(args.name, attributesFrom(args));
        if (args.json) printJson({ created, queue });
        else process.stdout.write(`${created ? 'created' : 'exists (same attributes)'}: ${queue.name}\n`);
      }),
  }),
  sub({
    command: 'list',
    describe: 'List queues with their depths',
    builder: (y) =>
      y
        .option('prefix', { type: 'string', default: '', describe: 'Only names starting with this' })
        .option('offset', { type: 'number', default: 0, coerce: integer('offset') })
        .option('limit', { type: 'number', default: 50, coerce: integer('limit'), describe: '1-1000' }) as unknown as Argv<Args>,
    handler: (args) =>
      withClient(args, async (client) => {
        const list = await client.listQueues({ prefix: args.prefix as string, offset: args.offset as number, limit: args.limit as number });
        const details = await Promise.all(list.queues.map((q) => client.getQueue(q.name)));
        if (args.json) return printJson({ total: list.total, queues: details });
        const rows = details.map((q) => [q.name, q.stats.activeMsgNum, q.stats.inactiveMsgNum, q.stats.delayMsgNum, q.stats.rewindMsgNum, time(q.stats.minMsgTime)]);
        process.stdout.write(`${table(['queue', 'ready', 'leased', 'delayed', 'rewindable', 'oldest'], rows)}\n${details.length} of ${list.total}\n`);
      }),
  }),
  sub({
    command: 'get <name>',
    describe: 'Show a queue’s attributes and stats',
    builder: named('Queue name'),
    handler: (args) => withClient(args, async (client) => printQueue(await client.getQueue(args.name), args.json)),
  }),
  sub({
    command: 'set <name>',
    describe: 'Change some attributes',
    builder: (y) => withAttributeFlags(named('Queue name')(y)),
    handler: (args) =>
      withClient(args, async (client) => {
        const attributes = attributesFrom(args);
        if (Object.keys(attributes).length === 0) throw new Error('give at least one attribute flag (see --help)');
        printQueue(await client.setQueueAttributes(args.name, attributes), args.json);
      }),
  }),
  sub({
    command: 'delete <name>',
    describe: 'Delete a queue and its messages',
    builder: named('Queue name'),
    handler: (args) => withClient(args, async (client) => report(args, { deleted: args.name }, `deleted: ${args.name}`, await client.deleteQueue(args.name))),
  }),
  sub({
    command: 'purge <name>',
    describe: 'Remove every message of a queue',
    builder: named('Queue name'),
    handler: (args) =>
      withClient(args, async (client) => {
        const removed = await client.purgeQueue(args.name);
        report(args, { removed }, `removed ${removed} messages from ${args.name}`);
      }),
  }),
  sub({
    command: 'rewind <name>',
    describe: 'Make deleted messages enqueued since a time receivable again (needs rewind-seconds)',
    builder: (y) => named('Queue name')(y).option('since', { type: 'string', demandOption: true, describe: 'Unix ms, ISO date, or -90s/-15m/-2h' }),
    handler: (args) =>
      withClient(args, async (client) => {
        const count = await client.rewindQueue(args.name, parseTime(args.since as string));
        report(args, { rewound: count }, `rewound ${count} messages in ${args.name}`);
      }),
  }),
  sub({
    command: 'redrive <name>',
    describe: 'Move a dead-letter queue’s messages back to their source queues',
    builder: named('Dead-letter queue name'),
    handler: (args) =>
      withClient(args, async (client) => {
        const moved = await client.redriveQueue(args.name);
        report(args, { moved }, `moved ${moved} messages back from ${args.name}`);
      }),
  }),
  sub({
    command: 'stats <name>',
    describe: 'Show a queue’s message counts',
    builder: named('Queue name'),
    handler: (args) =>
      withClient(args, async (client) => {
        const stats = await client.queueStats(args.name);
        if (args.json) return printJson(stats);
        process.stdout.write(`${table(['ready', 'leased', 'delayed', 'rewindable', 'oldest'], [[stats.activeMsgNum, stats.inactiveMsgNum, stats.delayMsgNum, stats.rewindMsgNum, time(stats.minMsgTime)]])}\n`);
      }),
  }),
];

function report(args: Common, json: object, text: string, _done?: unknown): void {
  if (args.json) printJson(json);
  else process.stdout.write(`${text}\n`);
}

export const queueCommand: CommandModule<{ url: string }, Common> = {
  command: 'queue <command>',
  describe: 'Administer queues',
  builder: (y) => {
    let out = y.option('json', { type: 'boolean', describe: 'Print JSON instead of tables', global: true }) as unknown as Argv<Common>;
    for (const command of subcommands) out = out.command(command);
    return out.demandCommand(1, 'Name a queue command; see spool queue --help.');
  },
  handler: () => {},
};
