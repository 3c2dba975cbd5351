/** `spool queue ...`: create, list, get, set, delete, purge, rewind, redrive, stats. */
import type { Argv } from 'yargs';
import type { DeadLetterPolicy, QueueAttributesInput } from '../../core/engine/attributes.js';
import { integer, parseTime, UsageError, withClient } from '../args.js';
import { commandGroup, named, paging, pagingFlags, report, sub, type Args } from '../command-group.js';
import { printJson, table, time } from '../output.js';

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

/** maxReceiveCount of a new dead-letter policy given only --dead-letter-queue. */
const DEFAULT_MAX_RECEIVE_COUNT = 10;

function withAttributeFlags<T>(y: Argv<T>, command: 'create' | 'set') {
  let out = y as Argv<T>;
  for (const [flag, spec] of Object.entries(ATTRIBUTE_FLAGS)) out = out.option(flag, { describe: spec.describe, coerce: integer(flag) });
  const set = command === 'set';
  out = out
    .option('dead-letter-queue', { type: 'string', describe: `Dead-letter queue name (it must exist)${set ? '; the current rule stays unless one is given' : ''}` })
    .option('max-receive-count', {
      describe: `Dead-letter after this many deliveries (1-1000) [default ${set ? 'for a new policy' : 'with --dead-letter-queue'}: ${DEFAULT_MAX_RECEIVE_COUNT}]`,
      coerce: integer('max-receive-count'),
    })
    // CMQ's policy dead-letters by receive count or by age, never both.
    .option('max-time-to-live', { describe: 'Dead-letter after this age, s (300-43200), instead of a receive count', coerce: integer('max-time-to-live') });
  // yargs reads --no-dead-letter as dead-letter=false: the hidden option makes that a known flag (on create, a no-op), the other shows it in set's help.
  out = out.option('dead-letter', { type: 'boolean', hidden: true });
  return set ? out.option('no-dead-letter', { type: 'boolean', describe: 'Remove the dead-letter policy' }) : out;
}

/**
 * The attribute flags given, as attributes. On set, the dead-letter flags may change part of the
 * policy: `current` reads the queue's policy, only when it is needed (null on create).
 */
async function attributesFrom(args: Args, current: (() => Promise<DeadLetterPolicy | null>) | null): Promise<QueueAttributesInput> {
  const attributes: QueueAttributesInput = {};
  for (const [flag, spec] of Object.entries(ATTRIBUTE_FLAGS)) if (args[flag] !== undefined) attributes[spec.key] = args[flag] as number;
  const queue = args['dead-letter-queue'] as string | undefined;
  const count = args['max-receive-count'] as number | undefined;
  const ttl = args['max-time-to-live'] as number | undefined;
  if (args['dead-letter'] === true) throw new UsageError('there is no --dead-letter: use --dead-letter-queue, or --no-dead-letter to remove the policy');
  if (count !== undefined && ttl !== undefined) throw new UsageError('give --max-receive-count or --max-time-to-live, not both: a dead-letter policy uses one of them');
  if (args['dead-letter'] === false) {
    if (queue !== undefined || count !== undefined || ttl !== undefined) throw new UsageError('--no-dead-letter removes the policy; it cannot go with the other dead-letter flags');
    attributes.deadLetterPolicy = null;
  } else if (queue !== undefined || count !== undefined || ttl !== undefined) {
    const policy = current && (queue === undefined || (count === undefined && ttl === undefined)) ? await current() : null;
    const deadLetterQueue = queue ?? policy?.deadLetterQueue;
    if (deadLetterQueue === undefined) throw new UsageError(`--max-receive-count and --max-time-to-live need --dead-letter-queue${current ? ` (${args.name} has no dead-letter policy yet)` : ''}`);
    attributes.deadLetterPolicy =
      count !== undefined
        ? { deadLetterQueue, policy: 0, maxReceiveCount: count }
        : ttl !== undefined
          ? { deadLetterQueue, policy: 1, maxTimeToLive: ttl }
          : { ...(policy ?? { policy: 0, maxReceiveCount: DEFAULT_MAX_RECEIVE_COUNT }), deadLetterQueue };
  }
  return attributes;
}

function printQueue(details: { name: string; attributes: object; stats?: object }, json: boolean | undefined): void {
  if (json) return printJson(details);
  const rows = Object.entries({ ...details.attributes, ...details.stats }).map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : (v as string | number)]);
  process.stdout.write(`queue ${details.name}\n${table(['attribute', 'value'], rows)}\n`);
}

const subcommands = [
  sub({
    command: 'create <name>',
    describe: 'Create a queue (same name and attributes again is fine)',
    builder: (y) => withAttributeFlags(named('Queue name')(y), 'create'),
    handler: (args) =>
      withClient(args, async (client) => {
        const { created, queue } = await client.createQueue(args.name, await attributesFrom(args, null));
        if (args.json) printJson({ created, queue });
        else process.stdout.write(`${created ? 'created' : 'exists (same attributes)'}: ${queue.name}\n`);
      }),
  }),
  sub({
    command: 'list',
    describe: 'List queues with their depths',
    builder: (y) => pagingFlags(y) as unknown as Argv<Args>,
    handler: (args) =>
      withClient(args, async (client) => {
        const list = await client.listQueues(paging(args));
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
    describe: 'Change some attributes; the others, and the parts of the dead-letter policy not given, stay',
    builder: (y) => withAttributeFlags(named('Queue name')(y), 'set'),
    handler: (args) =>
      withClient(args, async (client) => {
        const attributes = await attributesFrom(args, async () => (await client.getQueue(args.name)).attributes.deadLetterPolicy);
        if (Object.keys(attributes).length === 0) throw new UsageError('give at least one attribute flag (see --help)');
        printQueue(await client.setQueueAttributes(args.name, attributes), args.json);
      }),
  }),
  sub({
    command: 'delete <name>',
    describe: 'Delete a queue and its messages',
    builder: named('Queue name'),
    handler: (args) =>
      withClient(args, async (client) => {
        await client.deleteQueue(args.name);
        report(args, { deleted: args.name }, `deleted: ${args.name}`);
      }),
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
    // requiresArg: the next word is the value even when it looks like flags (-15m).
    builder: (y) => named('Queue name')(y).option('since', { type: 'string', demandOption: true, requiresArg: true, describe: 'Unix ms, ISO date, or -90s/-15m/-2h/-1d (before now)' }),
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

export const queueCommand = commandGroup('queue', 'Administer queues', subcommands);
