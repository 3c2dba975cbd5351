/**
 * Engine benchmark: in-process, 100-byte bodies, a fresh SQLite file per run.
 *
 *   npm run bench:engine                      all cases, both durability modes, 3 runs each
 *   npm run bench:engine -- --mode=fsync --case=lifecycle --runs=1 --messages=50000
 *
 * Cases:
 * - sequential: one send at a time, each awaited (latency of one commit with its fsync).
 * - concurrent: `messages` sends with 1000 in flight.
 * - lifecycle:  `messages` sent with 1000 in flight while a push consumer (engine.consume,
 *               prefetch 1000) deletes each in its handler; timed from the first send to the
 *               last delete. Latency is send call to delete resolved.
 *
 * After an untimed warm-up, each case runs `runs` times; the table shows medians (throughput, latency, event-loop block)
 * and each run's throughput. Figures, not pass/fail: the targets come from issue 2.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Engine, SqliteStore, type StoreDurability } from '../core/index.js';
import { fmt, Latencies, LoopBlock, median, printTable } from './measure.js';

const BODY_BYTES = 100;
const IN_FLIGHT = 1000;
const PREFETCH = 1000;
const SEQUENTIAL_MS = 2000;
const QUEUE = 'bench';
/** Messages in the untimed warm-up run (JIT) before the first timed one. */
const WARMUP_MESSAGES = 20_000;

type CaseName = 'sequential' | 'concurrent' | 'lifecycle';

interface CaseSpec {
  name: CaseName;
  label: string;
  /** Target throughput in durable mode (issue 2), if any. */
  durableTarget: number | null;
}

const CASES: CaseSpec[] = [
  { name: 'sequential', label: 'sequential awaited sends/s', durableTarget: null },
  { name: 'concurrent', label: `concurrent sends/s (${IN_FLIGHT} in flight)`, durableTarget: 100_000 },
  { name: 'lifecycle', label: 'lifecycle msgs/s (send+consume+delete)', durableTarget: 50_000 },
];

interface RunResult {
  rate: number;
  count: number;
  p50Ms: number;
  p99Ms: number;
  loopMaxMs: number;
  loopP99Ms: number;
  commits: number;
  commitP99Ms: number;
  commitMaxMs: number;
  /** Share of the run's wall time spent inside commits (statements, COMMIT and its fsync). */
  commitShare: number;
}

interface Bench {
  engine: Engine;
  commits: Commits;
  close(): Promise<void>;
}

interface Commits {
  count: number;
  ops: number;
  totalMs: number;
  durations: Latencies;
}

function freshCommits(): Commits {
  return { count: 0, ops: 0, totalMs: 0, durations: new Latencies() };
}

/** A fresh engine on a new temp file; commits are observed for ops per commit and their durations. */
async function openBench(durability: StoreDurability): Promise<Bench> {
  const dir = mkdtempSync(join(tmpdir(), 'spool-bench-'));
  const commits = freshCommits();
  const store = new SqliteStore({
    path: join(dir, 'spool.db'),
    durability,
    onCommit: ({ ms, ops }) => {
      commits.count++;
      commits.ops += ops;
      commits.totalMs += ms;
      commits.durations.add(ms);
    },
  });
  const engine = new Engine({ store });
  await engine.createQueue(QUEUE);
  Object.assign(commits, freshCommits());
  return {
    engine,
    commits,
    close: async () => {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A 100-byte body that starts with the time it was made (performance.now(), ms). */
function stampedBody(): string {
  return performance.now().toFixed(3).padEnd(BODY_BYTES, 'x');
}

async function sendConcurrently(engine: Engine, total: number, inFlight: number, latencies: Latencies | null): Promise<void> {
  let started = 0;
  const worker = async () => {
    while (started < total) {
      started++;
      const t = performance.now();
      await engine.send(QUEUE, { body: stampedBody() });
      latencies?.add(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, total) }, worker));
}

async function runSequential(engine: Engine, latencies: Latencies): Promise<number> {
  const until = performance.now() + SEQUENTIAL_MS;
  let count = 0;
  while (performance.now() < until) {
    const t = performance.now();
    await engine.send(QUEUE, { body: stampedBody() });
    latencies.add(performance.now() - t);
    count++;
  }
  return count;
}

async function runLifecycle(engine: Engine, total: number, latencies: Latencies): Promise<number> {
  let deleted = 0;
  let finish!: () => void;
  let fail!: (err: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const consumer = engine.consume(QUEUE, { prefetch: PREFETCH }, async (message) => {
    try {
      await engine.delete(QUEUE, message.receiptHandle);
    } catch (err) {
      fail(err);
      return;
    }
    latencies.add(performance.now() - parseFloat(message.body));
    if (++deleted === total) finish();
  });
  try {
    await sendConcurrently(engine, total, IN_FLIGHT, null);
    await finished;
  } finally {
    consumer.close();
  }
  return deleted;
}

async function runCase(name: CaseName, durability: StoreDurability, messages: number): Promise<RunResult> {
  const bench = await openBench(durability);
  const latencies = new Latencies(name === 'sequential' ? 4096 : messages);
  const loop = new LoopBlock();
  try {
    loop.start();
    const t0 = performance.now();
    let count: number;
    if (name === 'sequential') count = await runSequential(bench.engine, latencies);
    else if (name === 'concurrent') {
      await sendConcurrently(bench.engine, messages, IN_FLIGHT, latencies);
      count = messages;
    } else count = await runLifecycle(bench.engine, messages, latencies);
    const seconds = (performance.now() - t0) / 1000;
    const { maxMs, p99Ms } = loop.stop();
    const [p50, p99] = latencies.percentiles(50, 99);
    const [commitP99Ms, commitMaxMs] = bench.commits.durations.percentiles(99, 100);
    return {
      rate: count / seconds,
      count,
      p50Ms: p50!,
      p99Ms: p99!,
      loopMaxMs: maxMs,
      loopP99Ms: p99Ms,
      commits: bench.commits.count,
      commitP99Ms: commitP99Ms!,
      commitMaxMs: commitMaxMs!,
      commitShare: bench.commits.totalMs / (seconds * 1000),
    };
  } finally {
    await bench.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'fsync,process' },
      case: { type: 'string', default: CASES.map((c) => c.name).join(',') },
      runs: { type: 'string', default: '3' },
      messages: { type: 'string', default: '100000' },
    },
  });
  const modes = values.mode.split(',') as StoreDurability[];
  const cases = CASES.filter((c) => values.case.split(',').includes(c.name));
  const runs = Number(values.runs);
  const messages = Number(values.messages);
  if (modes.some((m) => m !== 'fsync' && m !== 'process') || cases.length === 0 || !(runs >= 1) || !(messages >= 1)) {
    throw new Error('usage: bench/engine.ts [--mode=fsync,process] [--case=sequential,concurrent,lifecycle] [--runs=3] [--messages=100000]');
  }

  console.log(`spool engine benchmark: ${BODY_BYTES}-byte bodies, ${messages.toLocaleString('en-US')} messages per concurrent/lifecycle run, ${runs} run(s) per case, medians shown`);
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, temp files in ${tmpdir()}\n`);

  // The first run in a fresh process was often the slowest by far (code not yet optimized): warm up.
  await runCase('concurrent', 'process', WARMUP_MESSAGES);
  await runCase('lifecycle', 'process', WARMUP_MESSAGES);

  const rows: string[][] = [];
  for (const durability of modes) {
    for (const spec of cases) {
      const results: RunResult[] = [];
      for (let r = 0; r < runs; r++) {
        const result = await runCase(spec.name, durability, messages);
        results.push(result);
        console.log(
          `  ${durability} ${spec.name} run ${r + 1}: ${fmt(result.rate)}/s (${result.count} msgs), p50 ${fmt(result.p50Ms)} ms, p99 ${fmt(result.p99Ms)} ms, ` +
            `loop max ${fmt(result.loopMaxMs)} ms, ${result.commits} commits (${fmt(result.count / Math.max(1, result.commits))} msgs/commit), commit p99 ${fmt(result.commitP99Ms)} ms, longest ${fmt(result.commitMaxMs)} ms, ${fmt(100 * result.commitShare)}% of the time in commits`,
        );
      }
      const med = (pick: (r: RunResult) => number) => median(results.map(pick));
      const target = durability === 'fsync' && spec.durableTarget !== null ? `≥ ${fmt(spec.durableTarget)}` : '';
      rows.push([
        spec.label,
        durability,
        fmt(med((r) => r.rate)),
        target,
        results.map((r) => fmt(r.rate)).join(' / '),
        `${fmt(med((r) => r.p50Ms))} / ${fmt(med((r) => r.p99Ms))}`,
        `${fmt(med((r) => r.loopMaxMs))} / ${fmt(Math.max(...results.map((r) => r.loopMaxMs)))}`,
        fmt(med((r) => r.loopP99Ms)),
        `${fmt(med((r) => r.commitP99Ms))} / ${fmt(med((r) => r.commitMaxMs))}`,
        `${fmt(100 * med((r) => r.commitShare))}%`,
      ]);
    }
  }
  console.log('');
  printTable(
    ['case', 'mode', 'median', 'target', 'runs', 'latency ms p50 / p99', 'loop block ms median / worst', 'loop p99 ms', 'commit ms p99 / longest', 'in commits'],
    rows,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
