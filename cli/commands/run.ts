/**
 * `spool run --queue <q> --task <name> --input tasks.jsonl --output results.jsonl`: a master over a
 * JSONL file. Each non-empty input line is one JSON payload; every task runs (map with settle
 * semantics, --concurrency in flight), and the output gets one line per input line, in input order:
 *   {"index":0,"ok":true,"result":...}   or   {"index":1,"ok":false,"error":{"name","message"}}
 * Progress (done, failed, rate, ETA) is a bar on stderr when it is a terminal, else a plain line
 * every --progress-ms. Exits 1 if any task failed, 2 on bad input.
 *
 * Without --name the master gets a name of its own (run-<host>-<pid>) and its reply queue is
 * deleted at the end; with --name, a rerun after a crash can collect replies the first run left.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { once } from 'node:events';
import cliProgress from 'cli-progress';
import type { CommandModule } from 'yargs';
import { integer, withClient } from '../args.js';

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

export const runCommand: CommandModule<{ url: string }, RunArgs> = {
  command: 'run',
  describe: 'Run a task per line of a JSONL file and write the results as JSONL, in input order',
  builder: (y) =>
    y
      .option('queue', { type: 'string', demandOption: true, describe: 'Task queue' })
      .option('task', { type: 'string', demandOption: true, describe: 'Task name (the handler to run)' })
      .option('input', { type: 'string', demandOption: true, describe: 'JSONL file of payloads, one per line (- for stdin)' })
      .option('output', { type: 'string', demandOption: true, describe: 'JSONL file for the results (- for stdout)' })
      .option('concurrency', { type: 'number', describe: `Tasks in flight at most [default ${DEFAULT_CONCURRENCY}]`, coerce: integer('concurrency') })
      .option('name', { type: 'string', describe: 'Master name (its durable reply queue is spool-replies-<name>) [default run-<host>-<pid>]' })
      .option('timeout-ms', { type: 'number', describe: 'Per-task deadline, ms [default none]', coerce: integer('timeout-ms') })
      .option('max-attempts', { type: 'number', describe: 'Attempts per task [default 3]', coerce: integer('max-attempts') })
      .option('progress-ms', { type: 'number', describe: `Plain progress line interval when stderr is not a terminal [default ${DEFAULT_PROGRESS_MS}]`, coerce: integer('progress-ms') }),
  handler: async (args) => {
    const payloads = readPayloads(args.input);
    // Loaded here, not at the top: the other commands need none of the master.
    const { startMaster } = await import('../../master/index.js');
    const name = args.name ?? `run-${hostname().replace(/[^A-Za-z0-9_-]/g, '-')}-${process.pid}`;
    const settled = await withClient(args, async (client) => {
      const master = await startMaster({ client, queue: args.queue, name });
      const progress = new Progress(payloads.length, args['progress-ms'] ?? DEFAULT_PROGRESS_MS);
      try {
        return await master.map(args.task, payloads, {
          concurrency: args.concurrency ?? DEFAULT_CONCURRENCY,
          settle: true,
          onProgress: (p) => progress.update(p.done, p.failed),
          ...(args['timeout-ms'] !== undefined ? { timeoutMs: args['timeout-ms'] } : {}),
          ...(args['max-attempts'] !== undefined ? { maxAttempts: args['max-attempts'] } : {}),
        });
      } finally {
        progress.stop();
        await master.close();
        // Every reply was handled: a reply queue named for this run alone has no further use.
        if (args.name === undefined) await client.deleteQueue(master.replyQueue).catch(() => {});
      }
    });
    const out = args.output === '-' ? process.stdout : createWriteStream(args.output);
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
  const text = readFileSync(path === '-' ? 0 : path, 'utf8');
  const payloads: unknown[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      payloads.push(JSON.parse(line));
    } catch (err) {
      process.stderr.write(`spool: ${path}:${i + 1}: not JSON: ${(err as Error).message}\n`);
      process.exit(2);
    }
  });
  return payloads;
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
