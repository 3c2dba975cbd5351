/**
 * `spool send <queue> [body]`: one message from the argument or --file, or one message per line
 * of standard input (sent in batches of 16). Prints each msgId on its own line.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { CommandModule } from 'yargs';
import type { SendInput } from '../../core/engine/validate.js';
import { LIMITS } from '../../core/limits.js';
import { integer, keyValues, URL_OPTION, withClient } from '../args.js';
import { printJson } from '../output.js';

interface SendArgs {
  url: string;
  queue: string;
  body?: string;
  file?: string;
  delay?: number;
  priority?: number;
  attr?: string[];
  'dedup-id'?: string;
  'reply-to'?: string;
  'correlation-id'?: string;
  json?: boolean;
}

export const sendCommand: CommandModule<object, SendArgs> = {
  command: 'send <queue> [body]',
  describe: 'Send a message (body as argument, --file, or one per line on stdin)',
  builder: (y) =>
    y
      .option('url', URL_OPTION)
      .positional('queue', { type: 'string', demandOption: true, describe: 'Queue name' })
      .positional('body', { type: 'string', describe: 'Message body (omit to read stdin lines)' })
      .option('file', { type: 'string', describe: 'Read the body from this file' })
      .option('delay', { describe: 'Delay, seconds (0-3600)', coerce: integer('delay') })
      .option('priority', { describe: 'Higher is received first', coerce: integer('priority') })
      .option('attr', { type: 'string', array: true, describe: 'Attribute key=value (repeatable)' })
      .option('dedup-id', { type: 'string', describe: 'Deduplication id (5-minute window)' })
      .option('reply-to', { type: 'string', describe: 'Reply queue' })
      .option('correlation-id', { type: 'string' })
      .option('json', { type: 'boolean', describe: 'Print {"msgIds": [...]}' })
      .conflicts('file', 'body'),
  handler: (args) =>
    withClient(args, async (client) => {
      const options: Omit<SendInput, 'body'> = {
        delaySeconds: args.delay,
        priority: args.priority,
        attributes: keyValues(args.attr),
        dedupId: args['dedup-id'],
        replyTo: args['reply-to'],
        correlationId: args['correlation-id'],
      };
      const single = args.body ?? (args.file !== undefined ? readFileSync(args.file, 'utf8') : undefined);
      const msgIds: string[] = [];
      const emit = (ids: string[]) => {
        msgIds.push(...ids);
        if (!args.json) process.stdout.write(ids.map((id) => `${id}\n`).join(''));
      };
      if (single !== undefined) {
        emit([await client.send(args.queue, { ...options, body: single })]);
      } else {
        if (process.stdin.isTTY) throw new Error('give a body, --file, or pipe one message per line into stdin');
        let batch: SendInput[] = [];
        for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
          if (line === '') continue;
          batch.push({ ...options, body: line });
          if (batch.length === LIMITS.batchMax) {
            emit(await client.sendBatch(args.queue, batch));
            batch = [];
          }
        }
        if (batch.length > 0) emit(await client.sendBatch(args.queue, batch));
      }
      if (args.json) printJson({ msgIds });
    }),
};
