/**
 * `spool run --queue <q> --task <name> --input tasks.jsonl --output results.jsonl`: a master over a
 * JSONL file. Each non-empty input line is one JSON payload; every task runs (map with settle
 * semantics, --concurrency in flight), and the output gets one line per input line, in input order:
 *   {"index":0,"ok":true,"result":...}   or   {"index":1,"ok":false,"error":{"name","message"}}
 * Progress (done, failed, rate, ETA) is a bar on stderr when it is a terminal, else a plain line
 * every --progress-ms. Exits 1 if any task failed, 2 on bad flags or input (checked, with the output
 * opened, before any task is posted), 130 when interrupted (SIGINT or SIGTERM: the tasks in flight
 * are cancelled and nothing is written).
 *
 * Without --name the master gets a name of its own (run-<host>-<pid>) and its reply queue is
 * deleted at the end; with --name, a rerun after a crash can collect replies the first run left.
 */
import { createWriteStream, openSync, readFileSync, type WriteStream } from 'node:fs';
import { hostname } from 'node:os';
import { once } from 'node:events';
import { getSystemErrorMap } from 'node:util';
import cliProgress from 'cli-progress';
import type { CommandModule } from 'yargs';
import { SpoolError } from '../../core/errors.js';
import { integer, URL_OPTION, UsageError, withClient } from '../args.js';

interface RunArgs {
  url: string;
  queue: string;
  task: string;
  input: string;
  output: string;
  concurrency?: number;
  name?: string;
  'timeout-ms'?: number;
  'max-attempts'?: number;
  'progress-ms'?: number;
}

const DEFAULT_CONCURRENCY = 10;
const DEFAULT_PROGRESS_MS = 2000;
/** 128 + SIGINT, as shells report a command stopped by Ctrl-C. */
const EXIT_INTERRUPTED = 130;

export const runCommand: CommandModule<object, RunArgs> = {
  command: 'run',
  describe: 'Run a task per line of a JSONL file and write the results as JSONL, in input order',
  builder: (y) =>
    y
      .option('url', URL_OPTION)
      .option('queue', { type: 'string', demandOption: true, describe: 'Task queue' })
      .option('task', { type: 'string', demandOption: true, describe: 'Task name (the handler to run)' })
      // requiresArg: the next word is the value even when it is "-", which yargs would otherwise read as a flag.
      .option('input', { type: 'string', demandOption: true, requiresArg: true, describe: 'JSONL file of payloads, one per line (- for stdin)' })
      .option('output', { type: 'string', demandOption: true, requiresArg: true, describe: 'JSONL file for the results (- for stdout)' })
      // The master's ranges (master/map.ts, master/options.ts), checked here so that a bad value is a usage error, not a failed task.
      .option('concurrency', { describe: `Tasks in flight at most (1-10000) [default ${DEFAULT_CONCURRENCY}]`, coerce: integer('concurrency', [1, 10_000]) })
      .option('name', { type: 'string', describe: 'Master name (its durable reply queue is spool-replies-<name>) [default run-<host>-<pid>]' })
      .option('timeout-ms', { describe: 'Per-task deadline, ms (1-604800000, 7 days) [default none]', coerce: integer('timeout-ms', [1, 7 * 86_400_000]) })
      .option('max-attempts', { describe: 'Attempts per task (1-1000) [default 3]', coerce: integer('max-attempts', [1, 1000]) })
      .option('progress-ms', { describe: `Plain progress line interval when stderr is not a terminal [default ${DEFAULT_PROGRESS_MS}]`, coerce: integer('progress-ms') }),
  handler: async (args) => {
    const payloads = readPayloads(args.input);
    // Opened before any task is posted: an output that cannot be written must not cost a run.
    const out = args.output === '-' ? process.stdout : openOutput(args.output);
    // Loaded here, not at the top: the other commands need none of the master.
    const { startMaster } = await import('../../master/index.js');
    const name = args.name ?? `run-${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}`;
    // SIGINT or SIGTERM: stop posting and cancel the tasks in flight; the finally below still
    // deletes this run's own reply queue. A second signal exits at once.
    const interrupt = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
      if (interrupt.signal.aborted) process.exit(EXIT_INTERRUPTED);
      process.stderr.write(`spool: ${signal}, cancelling the tasks in flight (send it again to exit at once)\n`);
      interrupt.abort(new Error(`interrupted by ${signal}`));
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    const running = withClient(args, async (client) => {
      // startMaster creates a missing task queue, and no worker can be on a queue that did not exist:
      // a misspelled --queue would wait for ever without this line.
      const missing = await client.getQueue(args.queue).then(
        () => false,
        (err: unknown) => err instanceof SpoolError && err.code === 'QUEUE_NOT_FOUND',
      );
      const master = await startMaster({ client, queue: args.queue, name });
      if (missing) process.stderr.write(`spool: warning: task queue ${args.queue} did not exist and was created; its tasks wait for a worker (spool worker <module> --queue ${args.queue})\n`);
      const progress = new Progress(payloads.length, args['progress-ms'] ?? DEFAULT_PROGRESS_MS);
      try {
        return await master.map(args.task, payloads, {
          concurrency: args.concurrency ?? DEFAULT_CONCURRENCY,
          settle: true,
          onProgress: (p) => progress.update(p.done, p.failed),
          ...(args['timeout-ms'] !== undefined ? { timeoutMs: args['timeout-ms'] } : {}),
          ...(args['max-attempts'] !== undefined ? { maxAttempts: args['max-attempts'] } : {}),
          signal: interrupt.signal,
        });
      } finally {
        progress.stop();
        await master.close();
        // Every reply was handled: a reply queue named for this run alone has no further use.
        if (args.name === undefined) await client.deleteQueue(master.replyQueue).catch(() => {});
      }
    }).finally(() => process.off('SIGINT', onSignal).off('SIGTERM', onSignal));
    const settled = await running.catch((err: unknown) => {
      if (!interrupt.signal.aborted) throw err;
      return null;
    });
    if (!settled) {
      process.stderr.write('spool: interrupted: the tasks in flight were cancelled; no results written\n');
      process.exitCode = EXIT_INTERRUPTED;
      return;
    }
    for (const s of settled) {
      const line = s.ok ? { index: s.index, ok: true, result: s.result ?? null } : { index: s.index, ok: false, error: { name: errorName(s.error), message: s.error.message } };
      if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
    }
    if (out !== process.stdout) {
      out.end();
      await once(out, 'finish');
    }
    const failed = settled.filter((s) => !s.ok).length;
    process.stderr.write(`spool: ${settled.length - failed} succeeded, ${failed} failed\n`);
    if (failed > 0) process.exitCode = 1;
  },
};

/** Reads the payloads up front, so a bad line stops the run before any task is posted. */
function readPayloads(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw fileError('read --input', path, err);
  }
  const payloads: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      payloads.push(JSON.parse(line));
    } catch (err) {
      throw new UsageError(`${path}:${i + 1}: not JSON: ${(err as Error).message}`);
    }
  });
  return payloads;
}

function openOutput(path: string): WriteStream {
  try {
    return createWriteStream(path, { fd: openSync(path, 'w') });
  } catch (err) {
    throw fileError('write --output', path, err);
  }
}

/** "cannot write --output x: no such file or directory", not Node's "ENOENT: no such file or directory, open 'x'". */
function fileError(doing: string, path: string, err: unknown): UsageError {
  const errno = (err as NodeJS.ErrnoException).errno;
  const reason = (errno !== undefined && getSystemErrorMap().get(errno)?.[1]) || (err as Error).message;
  return new UsageError(`cannot ${doing} ${path}: ${reason}`);
}

/** The remote error's class name when it has one (TaskFailedError.remoteName), else the error's own. */
function errorName(error: Error): string {
  const remote = (error as { remoteName?: unknown }).remoteName;
  return typeof remote === 'string' ? remote : error.name;
}

/** A cli-progress bar on a terminal; a plain line every `intervalMs` otherwise (logs, CI, pipes). */
class Progress {
  private readonly started = Date.now();
  private done = 0;
  private failed = 0;
  private readonly bar: cliProgress.SingleBar | null = null;
  private readonly timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly total: number,
    intervalMs: number,
  ) {
    if (process.stderr.isTTY) {
      this.bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: 'tasks [{bar}] {value}/{total} | failed {failed} | {rate}/s | ETA {eta_formatted}', hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(total, 0, { failed: 0, rate: '0.0' });
    } else {
      this.timer = setInterval(() => this.line(), Math.max(100, intervalMs));
      this.timer.unref();
    }
  }

  update(done: number, failed: number): void {
    this.done = done;
    this.failed = failed;
    this.bar?.update(done, { failed, rate: this.rate().toFixed(1) });
  }

  stop(): void {
    if (this.bar) this.bar.stop();
    if (this.timer) {
      clearInterval(this.timer);
      this.line();
    }
  }

  private rate(): number {
    return this.done / Math.max(0.001, (Date.now() - this.started) / 1000);
  }

  private line(): void {
    const rate = this.rate();
    const eta = rate > 0 ? `${Math.ceil((this.total - this.done) / rate)}s` : '?';
    process.stderr.write(`progress: ${this.done}/${this.total} done, ${this.failed} failed, ${rate.toFixed(1)}/s, ETA ${eta}\n`);
  }
}
