/**
 * `npm run bench`: Spool side by side with BullMQ and bee-queue (issue 5), in one run on one
 * machine. Each case runs on a fresh server: a `spool serve` broker (from source) on a temp data
 * dir, or a redis-server of our own on a free loopback port (bench/compare/redis.ts); the producer
 * and the worker are separate processes (bench/compare/agent.ts), so the producer, the worker and
 * the broker or Redis each have their own process. Jobs carry 100-byte JSON payloads.
 *
 *   npm run bench                                     everything, 3 runs, ~15 minutes
 *   npm run bench -- --quick                          a smoke run: 1 run, 2,000 jobs, 2 s of latency
 *   npm run bench -- --systems=spool,bullmq --runs=1 --count=5000 --out=/tmp/c.json
 *   npm run bench -- --redis-fsync=always             Redis fsyncing every write, like Spool
 *
 * Cases (each system in turn, runs interleaved: run 1 of every case on every system, then run 2...):
 * - enqueue-seq:  `count` adds, each awaited before the next.
 * - enqueue-bulk: `count` adds in one bulk call (BullMQ addBulk, bee-queue saveAll, Spool
 *   master.enqueueMany: batches of 16 per frame and commit, all at once).
 * - drain-1, drain-50: `count` no-op jobs added first (untimed), then one worker process at
 *   concurrency 1 or 50; timed from the first handler start to the `count`-th completion.
 * - latency: a worker at concurrency 50; `rate` adds a second for `seconds` on an absolute
 *   schedule; handler start − add time, p50/p99/max.
 *
 * Durability: Spool fsync (the default: fsync before every ack) and Spool process mode (no fsync;
 * survives a broker crash, not a machine crash); Redis with appendonly yes and `--redis-fsync`
 * (everysec by default: Redis's usual durable setting, up to ~1 s of acknowledged writes lost on
 * power loss). Prints the tables and writes every raw figure and the machine's description to
 * bench/results/compare-<date>.json (or --out).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { AgentRequest, CollectResult, ProduceResult, SystemName, Target } from './compare/ipc.js';
import { describeMachine, machineLine } from './compare/machine.js';
import { redisVersion, startRedis, type RedisFsync } from './compare/redis.js';
import { buildTables, CASE_NAMES, markdownTable, rowsFor, type CaseName, type RawRun } from './compare/report.js';
import { fmt, printTable } from './measure.js';
import { Agent, ROOT, startSpoolBroker } from './processes.js';

const AGENT = new URL('./compare/agent.ts', import.meta.url);
const ALL_SYSTEMS: SystemName[] = ['spool', 'spool-process', 'bullmq', 'bee-queue'];
const QUEUE = 'bench';
const LATENCY_CONCURRENCY = 50;
const COLLECT_TIMEOUT_MS = 600_000;

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string' },
    count: { type: 'string' },
    systems: { type: 'string', default: ALL_SYSTEMS.join(',') },
    case: { type: 'string', default: CASE_NAMES.join(',') },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string' },
    'redis-fsync': { type: 'string', default: 'everysec' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    markdown: { type: 'boolean', default: false },
  },
});
const RUNS = Number(args.runs ?? (args.quick ? 1 : 3));
const COUNT = Number(args.count ?? (args.quick ? 2000 : 20_000));
const RATE = Number(args.rate);
const SECONDS = Number(args.seconds ?? (args.quick ? 2 : 10));
const REDIS_FSYNC = args['redis-fsync'] as RedisFsync;
let systems = args.systems.split(',') as SystemName[];
const cases = args.case.split(',') as CaseName[];
if (
  systems.some((s) => !ALL_SYSTEMS.includes(s)) ||
  cases.some((c) => !CASE_NAMES.includes(c)) ||
  !['always', 'everysec', 'no'].includes(REDIS_FSYNC) ||
  ![RUNS, COUNT, RATE, SECONDS].every((v) => v > 0)
) {
  console.error(
    `usage: bench/compare.ts [--quick] [--runs=3] [--count=20000] [--systems=${ALL_SYSTEMS.join(',')}] [--case=${CASE_NAMES.join(',')}] ` +
      `[--rate=200] [--seconds=10] [--redis-fsync=everysec|always|no] [--out=FILE] [--markdown]`,
  );
  process.exit(2);
}

const redis = redisVersion();
if (redis === null && systems.some((s) => s === 'bullmq' || s === 'bee-queue')) {
  console.error('redis-server is not installed, so BullMQ and bee-queue are left out. Install it (Debian/Ubuntu: `sudo apt-get install redis-server`) and run again.\n');
  systems = systems.filter((s) => s !== 'bullmq' && s !== 'bee-queue');
}

const versionOf = (pkg: string): string => (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
const LABELS: Record<SystemName, string> = {
  spool: 'Spool (fsync)',
  'spool-process': 'Spool (process mode)',
  bullmq: `BullMQ ${versionOf('bullmq')}`,
  'bee-queue': `bee-queue ${versionOf('bee-queue')}`,
};
const redisDurability = `Redis ${redis} with appendonly yes, appendfsync ${REDIS_FSYNC}${REDIS_FSYNC === 'everysec' ? ' (an acknowledged job can be lost on power loss: up to ~1 s of writes)' : REDIS_FSYNC === 'always' ? ' (fsync per write command)' : ' (the OS decides when to sync)'}, no RDB snapshots`;
const DURABILITY: Record<SystemName, string> = {
  spool: 'fsync before every acknowledgement (SQLite WAL, synchronous=FULL, group commit)',
  'spool-process': 'process mode: no fsync (synchronous=NORMAL); acknowledged writes survive a broker crash, not a machine crash',
  bullmq: redisDurability,
  'bee-queue': redisDurability,
};

interface Server {
  target: Target;
  cpuMs(): number;
  rssBytes(): number;
  stop(): Promise<void>;
}

async function startServer(system: SystemName): Promise<Server> {
  if (system === 'spool' || system === 'spool-process') {
    const broker = await startSpoolBroker({ durability: system === 'spool' ? 'fsync' : 'process' });
    return { target: { kind: 'spool', url: broker.url }, cpuMs: broker.cpuMs, rssBytes: broker.rssBytes, stop: () => broker.stop() };
  }
  const server = await startRedis(REDIS_FSYNC);
  return { target: { kind: 'redis', port: server.port }, cpuMs: server.cpuMs, rssBytes: server.rssBytes, stop: () => server.stop() };
}

async function openAgent(system: SystemName, role: 'producer' | 'worker', target: Target): Promise<Agent<AgentRequest>> {
  const agent = Agent.start<AgentRequest>(`${system} ${role}`, AGENT);
  await agent.call({ op: 'open', system, role, target, queue: QUEUE });
  return agent;
}

async function runCase(run: number, name: CaseName, system: SystemName): Promise<RawRun> {
  const server = await startServer(system);
  const agents: Agent<AgentRequest>[] = [];
  const t0 = performance.now();
  try {
    const producer = await openAgent(system, 'producer', server.target);
    agents.push(producer);
    const base = { run, case: name, system, producerCpuMs: null, workerCpuMs: null };
    let cpu0 = server.cpuMs();
    const serverCpu = () => server.cpuMs() - cpu0;
    switch (name) {
      case 'enqueue-seq':
      case 'enqueue-bulk': {
        const r = await producer.call<ProduceResult>({ op: name === 'enqueue-seq' ? 'sequential' : 'bulk', count: COUNT });
        return { ...base, figures: { rate: (1000 * r.count) / r.elapsedMs }, serverCpuMs: serverCpu(), serverRssBytes: server.rssBytes(), producerCpuMs: r.cpuMs, wallMs: performance.now() - t0 };
      }
      case 'drain-1':
      case 'drain-50': {
        await producer.call<ProduceResult>({ op: 'prefill', count: COUNT });
        const worker = await openAgent(system, 'worker', server.target);
        agents.push(worker);
        cpu0 = server.cpuMs();
        await worker.call({ op: 'work', concurrency: name === 'drain-1' ? 1 : 50 });
        const c = await worker.call<CollectResult>({ op: 'collect', count: COUNT, timeoutMs: COLLECT_TIMEOUT_MS });
        const rate = (1000 * COUNT) / (c.lastCompletedAt - c.firstStartAt);
        return { ...base, figures: { rate }, serverCpuMs: serverCpu(), serverRssBytes: server.rssBytes(), workerCpuMs: c.cpuMs, wallMs: performance.now() - t0 };
      }
      case 'latency': {
        const worker = await openAgent(system, 'worker', server.target);
        agents.push(worker);
        await worker.call({ op: 'work', concurrency: LATENCY_CONCURRENCY });
        cpu0 = server.cpuMs();
        const p = await producer.call<ProduceResult>({ op: 'paced', rate: RATE, seconds: SECONDS });
        const c = await worker.call<CollectResult>({ op: 'collect', count: p.count, timeoutMs: COLLECT_TIMEOUT_MS });
        return { ...base, figures: { ...c.latency }, serverCpuMs: serverCpu(), serverRssBytes: server.rssBytes(), producerCpuMs: p.cpuMs, workerCpuMs: c.cpuMs, wallMs: performance.now() - t0 };
      }
      default:
        throw new Error(`unknown case ${String(name)}`);
    }
  } finally {
    for (const agent of agents.reverse()) await agent.stop().catch(() => agent.kill());
    await server.stop();
  }
}

const started = new Date();
const machine = describeMachine();
console.log(`npm run bench — Spool vs ${systems.filter((s) => !s.startsWith('spool')).map((s) => LABELS[s]).join(' and ') || '(no peers)'}; ${started.toISOString()}`);
console.log(`${COUNT.toLocaleString('en-US')} jobs per case, ${RUNS} run(s) interleaved, latency at ${RATE}/s for ${SECONDS} s; 100-byte JSON payloads; producer, worker and server in separate processes`);
console.log(`machine: ${machineLine(machine)}`);
for (const s of systems) console.log(`durability, ${LABELS[s]}: ${DURABILITY[s]}`);
console.log();

const raw: RawRun[] = [];
for (let run = 1; run <= RUNS; run++) {
  for (const name of cases) {
    for (const system of systems) {
      const r = await runCase(run, name, system);
      raw.push(r);
      const shown = name === 'latency' ? `p50 ${fmt(r.figures.p50!)} ms, p99 ${fmt(r.figures.p99!)} ms, max ${fmt(r.figures.max!)} ms` : `${fmt(r.figures.rate!)} jobs/s`;
      console.error(`  run ${run}/${RUNS} ${name} ${LABELS[system]}: ${shown}; server CPU ${fmt(r.serverCpuMs)} ms (${(r.wallMs / 1000).toFixed(1)} s)`);
    }
  }
}

const rows = rowsFor(COUNT, RATE, SECONDS, LATENCY_CONCURRENCY).filter((r) => cases.includes(r.case));
const tables = buildTables(raw, rows, systems, LABELS);
console.log();
printTable(tables.figures.header, tables.figures.rows);
if (tables.ratios.header.length > 3) {
  console.log();
  printTable(tables.ratios.header, tables.ratios.rows);
}
const loadAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
console.log(`\nload average at the end: ${loadAtEnd.join(' ')} (at the start: ${machine.loadAverage.join(' ')}; ${machine.cpus} CPUs)`);
const markdown = [markdownTable(tables.figures.header, tables.figures.rows), '', markdownTable(tables.ratios.header, tables.ratios.rows)].join('\n');
if (args.markdown) console.log(`\n${markdown}`);

const out = resolve(args.out ?? join(ROOT, 'bench', 'results', `compare-${started.toISOString().replace(/[:.]/g, '-')}.json`));
mkdirSync(dirname(out), { recursive: true });
const record = {
  date: started.toISOString(),
  command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
  settings: { runs: RUNS, count: COUNT, rate: RATE, seconds: SECONDS, latencyConcurrency: LATENCY_CONCURRENCY, payloadBytes: 100, redisFsync: REDIS_FSYNC, systems, cases },
  labels: LABELS,
  durability: DURABILITY,
  versions: { bullmq: versionOf('bullmq'), beeQueue: versionOf('bee-queue'), ioredis: versionOf('ioredis'), redis },
  machine,
  loadAverageAtEnd: loadAtEnd,
  raw,
  ratios: tables.ratioValues,
  markdown,
};
writeFileSync(out, `${JSON.stringify(record, null, 2)}\n`);
console.log(`\nraw figures and the machine: ${out}`);
