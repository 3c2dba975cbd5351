/**
 * Task framework benchmark (issue 4): broker, master and worker in separate processes. The broker
 * is `spool serve` from source (durable mode, the default) on a fresh data dir per case; the
 * master runs in this process; the worker is a child process (bench/task-worker.ts) with a no-op
 * handler `noop` that returns its start time (performance.timeOrigin + performance.now()).
 *
 *   npm run bench:tasks                                   all cases, 3 runs each, interleaved
 *   npm run bench:tasks -- --tasks=5000 --runs=1 --case=drain-50
 *   npm run bench:tasks -- --profile=prof                 one drain at concurrency 50 (--case=drain-1:
 *                                                         at 1), broker and worker under --cpu-prof,
 *                                                         files in prof/
 *   node --import tsx bench/profile-summary.ts prof/<file>.cpuprofile
 *
 * Cases:
 * - drain-1, drain-50: `tasks` no-op tasks posted first (untimed, 1000 submits in flight, no worker
 *   running), then one worker process at concurrency 1 or 50; timed from the first handler start
 *   (the smallest returned start time) until the master holds every result.
 * - drain-50-enqueued: as drain-50, with tasks posted by master.enqueueMany (no reply queue: the
 *   worker acks each, no result is written); timed from the first stats read after the worker is
 *   ready until the stats show none left (polled every 10 ms), over the tasks left at that read.
 * - post-seq:  `tasks` submits awaited one by one (each resolves once its post is durable), no
 *   worker running → posts/s.
 * - post-map:  master.map over `tasks` payloads with `--map-concurrency` (1000) in flight and a
 *   worker running at concurrency 50 → tasks/s end to end (map call to map resolved).
 * - latency:   a worker at concurrency 50; a task submitted every 1000/rate ms (200/s) for
 *   `--seconds` (10) on an absolute schedule, not awaiting the previous one; the payload carries
 *   the post time, the result is the handler's start time; reports p50/p99/max of the difference.
 *
 * Every case starts new processes, so each run includes cold JIT; the figures are medians of
 * `runs` runs with the min–max beside them. Anchors and targets come from issue 4.
 */
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { fmt, Latencies, median, printTable } from './measure.js';
import type { Master } from '../master/index.js';
import { startSpoolBroker as startBroker, type Proc } from './processes.js';
import { drainRate, now, openMaster, prePost, QUEUE, startWorkerProcess, TASK } from './task-drain.js';
const LATENCY_WORKER_CONCURRENCY = 50;
const MAP_WORKER_CONCURRENCY = 50;

type CaseName = 'drain-1' | 'drain-50' | 'drain-50-enqueued' | 'post-seq' | 'post-map' | 'latency';
const ALL_CASES: CaseName[] = ['drain-1', 'drain-50', 'drain-50-enqueued', 'post-seq', 'post-map', 'latency'];

const { values: args } = parseArgs({
  options: {
    tasks: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '3' },
    case: { type: 'string' },
    'map-concurrency': { type: 'string', default: '1000' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    profile: { type: 'string' },
  },
});
const TASKS = Number(args.tasks);
const RUNS = Number(args.runs);
const MAP_CONCURRENCY = Number(args['map-concurrency']);
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds);
const cases = args.case ? (args.case.split(',') as CaseName[]) : ALL_CASES;
for (const c of cases) if (!ALL_CASES.includes(c)) throw new Error(`unknown case ${c}; one of ${ALL_CASES.join(', ')}`);

interface RunResult {
  /** Throughput (drain, post cases) per second. */
  rate?: number;
  p50?: number;
  p99?: number;
  max?: number;
}

interface Rig {
  master: Master;
  /** Starts the one worker process of the run (stopped with the rest). */
  startWorker(concurrency: number, nodeArgs?: string[]): Promise<void>;
}

/** A fresh broker and a master (which creates the task queue) for `body`; everything it started is stopped after. */
async function withRig<T>(body: (rig: Rig) => Promise<T>, brokerNodeArgs: string[] = []): Promise<T> {
  const broker = await startBroker({ nodeArgs: brokerNodeArgs });
  let master: Master | undefined;
  let worker: Proc | undefined;
  try {
    master = await openMaster(broker.url);
    return await body({
      master,
      startWorker: async (concurrency, nodeArgs = []) => {
        worker = await startWorkerProcess(broker.url, concurrency, nodeArgs);
      },
    });
  } finally {
    await master?.close();
    await worker?.stop();
    await broker.stop();
  }
}

function caseDrain(concurrency: number, profileDir?: string): Promise<RunResult> {
  // One directory per process: each of its threads (tsx's loader too) writes its own file there.
  const prof = (who: string): string[] => (profileDir ? ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, who)}`] : []);
  return withRig(async ({ master, startWorker }) => {
    const results = await prePost(master, TASKS);
    await startWorker(concurrency, prof('worker'));
    return { rate: await drainRate(results) };
  }, prof('broker'));
}

function caseDrainEnqueued(concurrency: number): Promise<RunResult> {
  return withRig(async ({ master, startWorker }) => {
    await master.enqueueMany(TASK, Array.from({ length: TASKS }, (_, i) => ({ i })));
    await startWorker(concurrency);
    const left = async () => {
      const stats = await master.client.queueStats(QUEUE);
      return stats.activeMsgNum + stats.inactiveMsgNum;
    };
    const atStart = await left();
    const t0 = performance.now();
    // Polled every 10 ms: a stats read costs the broker little, and the drain takes about a second.
    while ((await left()) > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    return { rate: (atStart / (performance.now() - t0)) * 1000 };
  });
}

function casePostSeq(): Promise<RunResult> {
  return withRig(async ({ master }) => {
    const t0 = performance.now();
    for (let i = 0; i < TASKS; i++) {
      const handle = await master.submit(TASK, { i });
      handle.result.catch(() => {}); // no worker: rejected by close() below
    }
    return { rate: (TASKS / (performance.now() - t0)) * 1000 };
  });
}

function casePostMap(): Promise<RunResult> {
  return withRig(async ({ master, startWorker }) => {
    await startWorker(MAP_WORKER_CONCURRENCY);
    const payloads = Array.from({ length: TASKS }, (_, i) => ({ i }));
    const t0 = performance.now();
    const results = await master.map<number>(TASK, payloads, { concurrency: MAP_CONCURRENCY });
    const ms = performance.now() - t0;
    if (results.length !== TASKS) throw new Error(`map returned ${results.length} results`);
    return { rate: (TASKS / ms) * 1000 };
  });
}

function caseLatency(): Promise<RunResult> {
  return withRig(async ({ master, startWorker }) => {
    await startWorker(LATENCY_WORKER_CONCURRENCY);
    const total = Math.round(RATE * SECONDS);
    const interval = 1000 / RATE;
    const latencies = new Latencies(total);
    const pending: Promise<void>[] = [];
    const start = performance.now();
    for (let i = 0; i < total; i++) {
      const due = start + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const posted = now();
      pending.push(
        master.submit<number>(TASK, { i, t: posted }).then(async (handle) => {
          const started = await handle.result;
          latencies.add(started - posted);
        }),
      );
    }
    await Promise.all(pending);
    const [p50, p99, max] = latencies.percentiles(50, 99, 100);
    return { p50, p99, max };
  });
}

function runCase(name: CaseName): Promise<RunResult> {
  switch (name) {
    case 'drain-1':
      return caseDrain(1);
    case 'drain-50':
      return caseDrain(50);
    case 'drain-50-enqueued':
      return caseDrainEnqueued(50);
    case 'post-seq':
      return casePostSeq();
    case 'post-map':
      return casePostMap();
    case 'latency':
      return caseLatency();
  }
}

if (args.profile) {
  const dir = resolve(args.profile);
  const concurrency = args.case === 'drain-1' ? 1 : 50;
  const { rate } = await caseDrain(concurrency, dir);
  console.log(`drain at concurrency ${concurrency} under --cpu-prof: ${fmt(rate!)} tasks/s (${TASKS} tasks); profiles in ${dir}`);
  console.log(`summarize: node --import tsx bench/profile-summary.ts ${args.profile}/<broker|worker>/<file>.cpuprofile (the largest in each directory is the main thread)`);
  process.exit(0);
}

console.log(`bench:tasks — ${TASKS.toLocaleString('en-US')} tasks, ${RUNS} run(s) per case, durable mode, node ${process.version}`);
const collected = new Map<CaseName, RunResult[]>(cases.map((c) => [c, []]));
for (let r = 0; r < RUNS; r++) {
  for (const c of cases) {
    const t0 = performance.now();
    const result = await runCase(c);
    collected.get(c)!.push(result);
    const shown = result.rate !== undefined ? `${fmt(result.rate)}/s` : `p50 ${fmt(result.p50!)} ms, p99 ${fmt(result.p99!)} ms, max ${fmt(result.max!)} ms`;
    console.error(`  run ${r + 1}/${RUNS} ${c}: ${shown} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

const spread = (xs: number[]): string => (xs.length > 1 ? `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}` : '');
const rows: string[][] = [];
const rateRow = (c: CaseName, label: string, anchor: string, target: string) => {
  const rs = collected.get(c)?.map((x) => x.rate!);
  if (rs?.length) rows.push([label, fmt(median(rs)), spread(rs), anchor, target]);
};
rateRow('drain-1', 'drain tasks/s, concurrency 1', '3,617', '≥ 7,000');
rateRow('drain-50', 'drain tasks/s, concurrency 50', '16,844', '≥ 34,000');
rateRow('drain-50-enqueued', 'drain tasks/s, concurrency 50, enqueued (no results)', '', '');
rateRow('post-seq', 'posts/s, submit awaited one by one', '5,029', '');
rateRow('post-map', `map tasks/s end to end (${MAP_CONCURRENCY} in flight, worker 50)`, '', '');
const lat = collected.get('latency');
if (lat?.length) {
  for (const [key, label, anchor, target] of [
    ['p50', 'latency p50 ms, post→handler start', '1.00', '≤ 0.5'],
    ['p99', 'latency p99 ms', '4.07', '≤ 2.5'],
    ['max', 'latency max ms', '', ''],
  ] as const) {
    const xs = lat.map((x) => x[key]!);
    rows.push([label, fmt(median(xs)), spread(xs), anchor, target]);
  }
}
console.log();
printTable(['case', 'median', 'min–max', 'BullMQ 6.7', 'target'], rows);
if (lat?.length) console.log(`\nlatency: ${RATE}/s for ${SECONDS} s, worker concurrency ${LATENCY_WORKER_CONCURRENCY}`);
