#!/usr/bin/env node
/**
 * The `spool` command. Thin: each command parses its flags and calls the broker, the client or the
 * task runtimes. A usage error prints one line to stderr and exits 2; a failed call, one line and 1.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { UsageError } from './args.js';
import { keyCommand } from './commands/key.js';
import { queueCommand } from './commands/queue.js';
import { receiveCommand } from './commands/receive.js';
import { runCommand } from './commands/run.js';
import { sendCommand } from './commands/send.js';
import { serveCommand } from './commands/serve.js';
import { topicCommand } from './commands/topic.js';
import { workerCommand } from './commands/worker.js';
import { describeError } from './output.js';

await yargs(hideBin(process.argv))
  .scriptName('spool')
  .usage('$0 <command> [options]')
  .command(serveCommand)
  .command(queueCommand)
  .command(topicCommand)
  .command(sendCommand)
  .command(receiveCommand)
  .command(runCommand)
  .command(workerCommand)
  .command(keyCommand)
  .demandCommand(1, 'Name a command; see spool --help.')
  .recommendCommands()
  .strict()
  .help()
  .alias('h', 'help')
  .version()
  .wrap(Math.min(110, process.stdout.columns ?? 100))
  .fail((message, err) => {
    process.stderr.write(`spool: ${message ?? describeError(err)}\n`);
    process.exit(message || err instanceof UsageError ? 2 : 1);
  })
  .parseAsync();
