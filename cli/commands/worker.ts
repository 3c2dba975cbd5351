/**
 * `spool worker <module>`: runs the task handlers a module exports (`handlers`, or a default export
 * object of them) on --queue until SIGTERM or SIGINT; the first signal closes gracefully and exits
 * 0, a second exits at once. The module is plain JavaScript (ESM or CommonJS), or TypeScript when
 * the CLI itself runs under tsx. Prints one line per task outcome:
 *   done <name> <taskId> <ms>ms | retry <name> <taskId> attempt <n> in <delay>ms: <error>
 *   failed <name> <taskId> <ms>ms <reason>: <error> | cancelled ... | lost ... | released ...
 * and on stderr a line when the connection to the broker drops and when it is back.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { CommandModule } from 'yargs';
import type { TaskHandlers } from '../../worker/index.js';
import type { SpoolClient } from '../../core/client/index.js';
import { clientFor, integer, URL_OPTION } from '../args.js';
import { closeOnSignals } from '../signals.js';

interface WorkerArgs {
  url: string;
  module: string;
  queue: string;
  concurrency?: number;
  'lease-ms'?: number;
  'shutdown-timeout-ms'?: number;
}

export const workerCommand: CommandModule<object, WorkerArgs> = {
  command: 'worker <module>',
  describe: 'Run the task handlers a module exports on a task queue',
  builder: (y) =>
    y
      .option('url', URL_OPTION)
      .positional('module', { type: 'string', demandOption: true, describe: 'Module path exporting handlers (or a default export object of them)' })
      .option('queue', { type: 'string', demandOption: true, describe: 'Task queue' })
      .option('concurrency', { describe: 'Tasks at once [default 1]', coerce: integer('concurrency') })
      .option('lease-ms', { describe: 'Lease length, ms; heartbeats every half [default 30000]', coerce: integer('lease-ms') })
      .option('shutdown-timeout-ms', { describe: 'On SIGTERM, wait this long for running tasks [default 30000]', coerce: integer('shutdown-timeout-ms') }),
  handler: async (args) => {
    const handlers = await loadHandlers(args.module);
    // Loaded here, not at the top: the other commands need none of the worker.
    const { startWorker } = await import('../../worker/index.js');
    const client = clientFor(args);
    reportConnection(client, args.url);
    const worker = await startWorker({
      client,
      queue: args.queue,
      handlers,
      concurrency: args.concurrency,
      leaseMs: args['lease-ms'],
      shutdownTimeoutMs: args['shutdown-timeout-ms'],
      // Outcomes are the stdout lines below; warnings and errors (handlers' ctx.log too) go to stderr.
      log: { debug: () => {}, info: () => {}, warn: toStderr, error: toStderr },
    });
    const line = (text: string) => process.stdout.write(`${text}\n`);
    const oneLine = (err: Error) => err.message.split('\n')[0];
    worker.events
      .on('completed', (e) => line(`done ${e.name} ${e.taskId} ${e.durationMs}ms`))
      .on('retried', (e) => line(`retry ${e.name} ${e.taskId} attempt ${e.attempt} in ${e.delayMs}ms: ${oneLine(e.error)}`))
      .on('failed', (e) => line(`failed ${e.name} ${e.taskId} ${e.durationMs}ms ${e.reason}: ${oneLine(e.error)}`))
      .on('cancelled', (e) => line(`cancelled ${e.name} ${e.taskId} ${e.durationMs}ms`))
      .on('lost', (e) => line(`lost ${e.name} ${e.taskId} ${e.durationMs}ms: ${oneLine(e.error)}`))
      .on('released', (e) => line(`released ${e.name} ${e.taskId}`))
      .on('error', ({ error }) => process.stderr.write(`spool: ${oneLine(error)}\n`));
    line(`spool: worker on ${args.queue} at ${args.url} (handlers: ${Object.keys(handlers).join(', ')})`);

    closeOnSignals(async () => {
      await worker.close();
      await client.close();
    }, 'finishing running tasks');
  },
};

/**
 * One stderr line when the connection to the broker drops, and one when it is back: the tasks
 * running meanwhile may be taken by other workers (see docs/operations.md, rolling restarts).
 */
function reportConnection(client: SpoolClient, url: string): void {
  let lost = false;
  client.events.on('status', (status) => {
    if (status.state === 'reconnecting' && !lost) {
      lost = true;
      process.stderr.write(`spool: connection to ${url} lost (${status.error.message}); reconnecting\n`);
    } else if (status.state === 'open' && lost) {
      lost = false;
      process.stderr.write(`spool: reconnected to ${url}\n`);
    }
  });
}

function toStderr(message: string, fields?: Record<string, unknown>): void {
  const taskId = typeof fields?.taskId === 'string' ? ` [${fields.taskId}]` : '';
  process.stderr.write(`spool:${taskId} ${message}\n`);
}

/** Imports the module and finds its handlers: `handlers`, or a default export object of functions. */
async function loadHandlers(path: string): Promise<TaskHandlers> {
  const mod = (await import(pathToFileURL(resolve(path)).href)) as { handlers?: unknown; default?: unknown };
  const candidate = mod.handlers ?? (isObject(mod.default) && isObject((mod.default as { handlers?: unknown }).handlers) ? (mod.default as { handlers: unknown }).handlers : mod.default);
  if (!isObject(candidate)) throw new Error(`${path} exports no handlers: export const handlers = { name: async (payload, ctx) => ... } (or a default export object)`);
  const entries = Object.entries(candidate);
  const bad = entries.find(([, fn]) => typeof fn !== 'function');
  if (bad) throw new Error(`${path}: handler ${bad[0]} is not a function`);
  if (entries.length === 0) throw new Error(`${path} exports an empty handlers object`);
  return candidate as TaskHandlers;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
