/**
 * Server benchmark: the broker (`spool serve`, run from source), a producer and a consumer, each in
 * its own process (bench/server-client.ts, forked, driven over IPC), 100-byte bodies, a fresh
 * queue per run.
 *
 *   npm run bench:server                                   every case, fsync then process mode, 3 runs
 *   npm run bench:server -- --mode=fsync --case=e2e,latency --runs=1 --profile=prof
 *
 * Cases:
 * - seq-http:  one send at a time over HTTP keep-alive (SpoolClient.send), each awaited.
 * - seq-ws:    the same over the WebSocket (sendWs).
 * - pipelined: sendWs with `window` (1000) requests in flight.
 * - e2e:       the producer pipelines as above while the consumer, subscribed with prefetch
 *              `prefetch` (1000), acks each pushed message; msgs/s from the producer's first send
 *              to the consumer's last ack reply.
 * - latency:   the producer sends `rate` (200) msgs/s on a fixed schedule for `latency-seconds`
 *              (10), stamping each body with its send time; the consumer takes delivery time −
 *              stamp. Both clocks are performance.timeOrigin + performance.now() (wall time with
 *              sub-ms resolution; the processes share the machine's clock).
 *
 * Throughput cases run for `seconds` (3). After a warm-up (results discarded), each case runs `runs`
 * times, interleaved; the table shows medians with min–max. Durable mode (fsync, the default) is
 * measured against issue 3's targets; process mode (--durability process: survives a process crash,
 * not power loss) is shown beside it. Figures, not pass/fail. CPU columns are % of one core during
 * the run (broker from /proc/<pid>/stat, clients from process.cpuUsage()).
 *
 * --profile=DIR runs the broker with `node --cpu-prof --cpu-prof-dir=DIR` (one profile per mode,
 * written when it shuts down); summarize with bench/profile-summary.ts.
 */
import { cpus, tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SpoolClient } from '../core/index.js';
import { fmt, median, printTable } from './measure.js';
import { Agent, startSpoolBroker, type Durability, type SpoolBroker } from './processes.js';
import type { BenchRequest, CollectResult, PacedResult, PipelinedResult, SequentialResult } from './server-ipc.js';

const CLIENT_SCRIPT = new URL('./server-client.ts', import.meta.url);
const WARMUP_QUEUE = 'bench-warmup';

type Mode = Durability;
type ClientProcess = Agent<BenchRequest>;
type CaseName = 'seq-http' | 'seq-ws' | 'pipelined' | 'e2e' | 'latency';
const CASE_NAMES: CaseName[] = ['seq-http', 'seq-ws', 'pipelined', 'e2e', 'latency'];

interface Settings {
  seconds: number;
  latencySeconds: number;
  rate: number;
  window: number;
  prefetch: number;
}

/** One run of one case: its figures by name, and CPU % of one core per process. */
interface RunResult {
  figures: Record<string, number>;
  cpu: { broker: number; producer: number; consumer: number; brokerUsPerMsg: number };
  note: string;
}

// ---------------------------------------------------------------------------------------------
// Cases

interface Rig {
  broker: SpoolBroker;
  admin: SpoolClient;
  producer: ClientProcess;
  consumer: ClientProcess;
  settings: Settings;
}

let queueCounter = 0;

async function runCase(rig: Rig, name: CaseName, scale = 1): Promise<RunResult> {
  const { admin, producer, consumer, broker } = rig;
  const s = rig.settings;
  const seconds = s.seconds * scale;
  const queue = `bench-${name}-${++queueCounter}`;
  await admin.createQueue(queue);
  const brokerCpu0 = broker.cpuMs();
  const t0 = performance.now();
  const pct = (cpuMs: number, wallMs: number) => (100 * cpuMs) / wallMs;
  /** Broker CPU since the run started: % of one core over `wallMs`, and µs per message. */
  const brokerCpu = (wallMs: number, messages: number) => {
    const ms = broker.cpuMs() - brokerCpu0;
    return { broker: pct(ms, wallMs), brokerUsPerMsg: (1000 * ms) / messages };
  };
  let result: RunResult;
  try {
    switch (name) {
      case 'seq-http':
      case 'seq-ws': {
        const r = await producer.call<SequentialResult>({ op: 'sequential', queue, transport: name === 'seq-http' ? 'http' : 'ws', seconds });
        result = {
          figures: { rate: (1000 * r.count) / r.elapsedMs },
          cpu: { ...brokerCpu(r.elapsedMs, r.count), producer: pct(r.cpuMs, r.elapsedMs), consumer: NaN },
          note: `send latency p50 ${fmt(r.p50Ms)} ms, p99 ${fmt(r.p99Ms)} ms`,
        };
        break;
      }
      case 'pipelined': {
        const r = await producer.call<PipelinedResult>({ op: 'pipelined', queue, seconds, window: s.window });
        result = {
          figures: { rate: (1000 * r.count) / r.elapsedMs },
          cpu: { ...brokerCpu(r.elapsedMs, r.count), producer: pct(r.cpuMs, r.elapsedMs), consumer: NaN },
          note: `${r.count} msgs`,
        };
        break;
      }
      case 'e2e': {
        await consumer.call({ op: 'subscribe', queue, prefetch: s.prefetch, latency: false });
        const p = await producer.call<PipelinedResult>({ op: 'pipelined', queue, seconds, window: s.window });
        const c = await consumer.call<CollectResult>({ op: 'collect', count: p.count, timeoutMs: 120_000 });
        const wallMs = c.lastAckAt - p.startedAt;
        result = {
          figures: { rate: (1000 * c.acked) / wallMs },
          cpu: { ...brokerCpu(performance.now() - t0, c.acked), producer: pct(p.cpuMs, wallMs), consumer: pct(c.cpuMs, wallMs) },
          note: `${c.acked} msgs; producer alone ${fmt((1000 * p.count) / p.elapsedMs)}/s, last ack ${fmt(wallMs - p.elapsedMs)} ms after the last send reply`,
        };
        break;
      }
      case 'latency': {
        await consumer.call({ op: 'subscribe', queue, prefetch: s.prefetch, latency: true });
        const p = await producer.call<PacedResult>({ op: 'paced', queue, rate: s.rate, seconds: s.latencySeconds * scale });
        const c = await consumer.call<CollectResult>({ op: 'collect', count: p.sent, timeoutMs: 120_000 });
        const wallMs = performance.now() - t0;
        result = {
          figures: { p50: c.p50Ms, p99: c.p99Ms },
          cpu: { ...brokerCpu(wallMs, c.acked), producer: NaN, consumer: pct(c.cpuMs, wallMs) },
          note: `${c.acked} msgs at ${fmt((1000 * p.sent) / p.elapsedMs)}/s; p99.9 ${fmt(c.p999Ms)} ms, max ${fmt(c.maxMs)} ms`,
        };
        break;
      }
    }
  } finally {
    await admin.deleteQueue(queue);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Table

interface Row {
  label: string;
  caseName: CaseName;
  figure: string;
  target: string;
  /** Lower is better (latency). */
  lower: boolean;
}

function rowsFor(s: Settings): Row[] {
  return [
    { label: '(a) sequential sends/s, HTTP keep-alive', caseName: 'seq-http', figure: 'rate', target: '', lower: false },
    { label: '(b) sequential sends/s, WebSocket', caseName: 'seq-ws', figure: 'rate', target: '≥ 5,000', lower: false },
    { label: `(c) pipelined sends/s, WebSocket (${s.window} in flight)`, caseName: 'pipelined', figure: 'rate', target: '', lower: false },
    { label: `(d) end-to-end send→push→ack msgs/s (prefetch ${s.prefetch})`, caseName: 'e2e', figure: 'rate', target: '≥ 35,000', lower: false },
    { label: `(e) send→delivery latency p50 ms at ${s.rate}/s`, caseName: 'latency', figure: 'p50', target: '≤ 0.5', lower: true },
    { label: `(e) send→delivery latency p99 ms at ${s.rate}/s`, caseName: 'latency', figure: 'p99', target: '≤ 2.5', lower: true },
  ];
}

function summarize(values: number[]): [string, string] {
  if (values.length === 0) return ['', ''];
  return [fmt(median(values)), `${fmt(Math.min(...values))}–${fmt(Math.max(...values))}`];
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      mode: { type: 'string', default: 'fsync,process' },
      case: { type: 'string', default: CASE_NAMES.join(',') },
      runs: { type: 'string', default: '3' },
      seconds: { type: 'string', default: '3' },
      'latency-seconds': { type: 'string', default: '10' },
      rate: { type: 'string', default: '200' },
      window: { type: 'string', default: '1000' },
      prefetch: { type: 'string', default: '1000' },
      profile: { type: 'string' },
    },
  });
  const modes = values.mode.split(',') as Mode[];
  const cases = values.case.split(',') as CaseName[];
  const runs = Number(values.runs);
  const settings: Settings = {
    seconds: Number(values.seconds),
    latencySeconds: Number(values['latency-seconds']),
    rate: Number(values.rate),
    window: Number(values.window),
    prefetch: Number(values.prefetch),
  };
  const profileDir = values.profile ? resolve(values.profile) : null;
  if (
    modes.some((m) => m !== 'fsync' && m !== 'process') ||
    cases.some((c) => !CASE_NAMES.includes(c)) ||
    !(runs >= 1) ||
    Object.values(settings).some((v) => !(v > 0))
  ) {
    throw new Error(
      `usage: bench/server.ts [--mode=fsync,process] [--case=${CASE_NAMES.join(',')}] [--runs=3] [--seconds=3] [--latency-seconds=10] [--rate=200] [--window=1000] [--prefetch=1000] [--profile=DIR]`,
    );
  }

  console.log(
    `spool server benchmark: broker, producer and consumer in separate processes; 100-byte bodies; ${runs} run(s) per case, ` +
      `${settings.seconds} s per throughput run, latency ${settings.latencySeconds} s at ${settings.rate}/s`,
  );
  console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, data in ${tmpdir()}\n`);

  const results = new Map<string, RunResult[]>(); // `${mode} ${case}`
  const producer = Agent.start<BenchRequest>('producer', CLIENT_SCRIPT);
  const consumer = Agent.start<BenchRequest>('consumer', CLIENT_SCRIPT);
  try {
    for (const mode of modes) {
      const broker = await startSpoolBroker({ durability: mode, nodeArgs: profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [] });
      const admin = new SpoolClient({ url: broker.url, requestTimeoutMs: 120_000 });
      try {
        await admin.createQueue(WARMUP_QUEUE);
        await Promise.all([producer.call({ op: 'connect', url: broker.url }), consumer.call({ op: 'connect', url: broker.url })]);
        const rig: Rig = { broker, admin, producer, consumer, settings };
        // Untimed: lets the JIT optimize the broker's (and clients') hot paths first.
        for (const name of cases) await runCase(rig, name, name === 'latency' ? 0.2 : 0.34);
        for (let r = 0; r < runs; r++) {
          for (const name of cases) {
            const result = await runCase(rig, name);
            const key = `${mode} ${name}`;
            results.set(key, [...(results.get(key) ?? []), result]);
            const figures = Object.entries(result.figures)
              .map(([k, v]) => `${k} ${fmt(v)}`)
              .join(', ');
            const cpu = `CPU broker ${fmt(result.cpu.broker)}% (${fmt(result.cpu.brokerUsPerMsg)} µs/msg), producer ${fmt(result.cpu.producer)}%, consumer ${fmt(result.cpu.consumer)}%`;
            console.log(`  ${mode} ${name} run ${r + 1}: ${figures}; ${cpu}; ${result.note}`);
          }
        }
      } finally {
        await admin.close();
        await broker.stop();
      }
    }
  } finally {
    await Promise.all([producer.stop(), consumer.stop()]).catch(() => {
      producer.kill();
      consumer.kill();
    });
  }

  const pick = (mode: Mode, name: CaseName, figure: string) => (results.get(`${mode} ${name}`) ?? []).map((r) => r.figures[figure]!);
  console.log('');
  const header = ['case', 'target (fsync)'];
  for (const mode of modes) header.push(`${mode} median`, `${mode} min–max`);
  const rows = rowsFor(settings)
    .filter((row) => cases.includes(row.caseName))
    .map((row) => {
      const cells = [row.label, row.target];
      for (const mode of modes) cells.push(...summarize(pick(mode, row.caseName, row.figure)));
      return cells;
    });
  printTable(header, rows);

  console.log('\nCPU during the runs (medians): % of one core per process, and broker CPU µs per message');
  const cpuHeader = ['case'];
  for (const mode of modes) cpuHeader.push(`${mode} broker / producer / consumer %`, `${mode} broker µs/msg`);
  const cpuRows = cases.map((name) => {
    const cells: string[] = [name];
    for (const mode of modes) {
      const list = results.get(`${mode} ${name}`) ?? [];
      const m = (k: keyof RunResult['cpu']) => fmt(median(list.map((r) => r.cpu[k])));
      cells.push(`${m('broker')} / ${m('producer')} / ${m('consumer')}`, m('brokerUsPerMsg'));
    }
    return cells;
  });
  printTable(cpuHeader, cpuRows);
  if (profileDir) console.log(`\nbroker CPU profiles in ${profileDir} (summarize: node --import tsx bench/profile-summary.ts <file>)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
