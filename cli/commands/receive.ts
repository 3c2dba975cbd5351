/**
 * `spool receive <queue>`: leases up to --max messages (waiting up to --wait seconds) and prints
 * each as one JSON line; with --ack deletes them after printing.
 */
import type { CommandModule } from 'yargs';
import { integer, URL_OPTION, withClient } from '../args.js';

interface ReceiveArgs {
  url: string;
  queue: string;
  wait?: number;
  max?: number;
  ack: boolean;
  'visibility-timeout'?: number;
}

export const receiveCommand: CommandModule<object, ReceiveArgs> = {
  command: 'receive <queue>',
  describe: 'Receive messages as JSON lines (--ack to delete them)',
  builder: (y) =>
    y
      .option('url', URL_OPTION)
      .positional('queue', { type: 'string', demandOption: true, describe: 'Queue name' })
      .option('wait', { describe: 'Long poll, seconds (0-30)', coerce: integer('wait') })
      .option('max', { default: 1, describe: 'Messages at most (1-16)', coerce: integer('max') })
      .option('ack', { type: 'boolean', default: false, describe: 'Delete each message after printing it' })
      .option('visibility-timeout', { describe: 'Lease length, seconds', coerce: integer('visibility-timeout') }),
  handler: (args) =>
    withClient(args, async (client) => {
      const messages = await client.receive(args.queue, { max: args.max, waitSeconds: args.wait, visibilityTimeout: args['visibility-timeout'] });
      for (const message of messages) process.stdout.write(`${JSON.stringify(message)}\n`);
      if (args.ack && messages.length > 0) {
        const { failed } = await client.deleteMessages(args.queue, messages.map((m) => m.receiptHandle));
        if (failed.length > 0) throw new Error(`${failed.length} messages could not be acked: ${failed[0]!.code}`);
      }
    }),
};
