/**
 * `npm run bench:scale`: how cost grows (issue 5, "Scaling figures"). The broker (`spool serve`,
 * durable mode, from source), a producer and a consumer in separate processes (bench/server-client.ts
 * over IPC), 100-byte bodies, a fresh broker per scenario.
 *
 *   npm run bench:scale                               every scenario, once (1M backlog included: ~3 minutes)
 *   npm run bench:scale -- --scenario=backlog-10k,backlog-1m --seconds=5
 *
 * Each scenario first fills its queues with a backlog (sendBatchWs, 16 a batch, untimed), then
 * subscribes the consumer (acking every message) and has the producer pipeline sends (1000 in
 * flight) for `seconds`: acked/s is the end-to-end rate, sent/s the producer's rate beside it. The
 * broker's RSS is sampled every 250 ms: after the fill, and the peak during the run.
 *
 * Scenarios: a backlog of 10k, 100k and 1M on one queue with one subscriber; 1, 10 and 100
 * subscriptions on one queue (10k backlog); 1 and 100 queues with one subscription each (10k
 * backlog spread over them, sends round-robin). Subscriptions share the consumer's one WebSocket
 * and split a prefetch of 1000 between them.
 */
import { parseArgs } from 'node:util';
import { SpoolClient } from '../core/index.js';
import { fmt, printTable } from './measure.js';
import { Agent, startSpoolBroker } from './processes.js';
import type { BenchRequest, FillResult, PipelinedResult, StopResult } from './server-ipc.js';

const CLIENT_SCRIPT = new URL('./server-client.ts', import.meta.url);
const TOTAL_PREFETCH = 1000;
const WINDOW = 1000;
const FILL_WINDOW = 64;

interface Scenario {
  name: string;
  backlog: number;
  queues: number;
  subscribers: number;
}

const SCENARIOS: Scenario[] = [
  { name: 'backlog-10k', backlog: 10_000, queues: 1, subscribers: 1 },
  { name: 'backlog-100k', backlog: 100_000, queues: 1, subscribers: 1 },
  { name: 'backlog-1m', backlog: 1_000_000, queues: 1, subscribers: 1 },
  { name: 'subscribers-10', backlog: 10_000, queues: 1, subscribers: 10 },
  { name: 'subscribers-100', backlog: 10_000, queues: 1, subscribers: 100 },
  { name: 'queues-100', backlog: 10_000, queues: 100, subscribers: 1 },
];

const { values: args } = parseArgs({
  options: {
    scenario: { type: 'string', default: SCENARIOS.map((s) => s.name).join(',') },
    seconds: { type: 'string', default: '5' },
  },
});
const SECONDS = Number(args.seconds);
const chosen = args.scenario.split(',').map((name) => {
  const s = SCENARIOS.find((x) => x.name === name);
  if (!s) throw new Error(`unknown scenario ${name}; one of ${SCENARIOS.map((x) => x.name).join(', ')}`);
  return s;
});

interface Result {
  scenario: Scenario;
  fillPerSecond: number;
  sentPerSecond: number;
  ackedPerSecond: number;
  rssAfterFillMiB: number;
  rssPeakMiB: number;
  backlogAtEnd: number;
  brokerCpuUsPerMsg: number;
}

async function run(scenario: Scenario): Promise<Result> {
  const broker = await startSpoolBroker({ durability: 'fsync' });
  const admin = new SpoolClient({ url: broker.url, requestTimeoutMs: 600_000 });
  const producer = Agent.start<BenchRequest>('producer', CLIENT_SCRIPT);
  const consumer = Agent.start<BenchRequest>('consumer', CLIENT_SCRIPT);
  let rssPeak = 0;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, broker.rssBytes())), 250);
  try {
    const queues = Array.from({ length: scenario.queues }, (_, i) => `scale-${i}`);
    await admin.createQueue('bench-warmup');
    for (const q of queues) await admin.createQueue(q);
    await Promise.all([producer.call({ op: 'connect', url: broker.url }), consumer.call({ op: 'connect', url: broker.url })]);
    const fill = await producer.call<FillResult>({ op: 'fill', queues, count: scenario.backlog, window: FILL_WINDOW });
    const rssAfterFill = broker.rssBytes();
    rssPeak = rssAfterFill;
    const cpu0 = broker.cpuMs();
    const prefetch = Math.max(1, Math.ceil(TOTAL_PREFETCH / (scenario.queues * scenario.subscribers)));
    await consumer.call({ op: 'subscribe', queue: queues[0]!, queues, subscribers: scenario.subscribers, prefetch, latency: false });
    const sent = await producer.call<PipelinedResult>({ op: 'pipelined', queue: queues[0]!, queues, seconds: SECONDS, window: WINDOW });
    const acked = await consumer.call<StopResult>({ op: 'stop' });
    const cpuMs = broker.cpuMs() - cpu0;
    let backlogAtEnd = 0;
    for (const q of queues) {
      const stats = await admin.queueStats(q);
      backlogAtEnd += stats.activeMsgNum + stats.inactiveMsgNum + stats.delayMsgNum;
    }
    return {
      scenario,
      fillPerSecond: (1000 * fill.count) / fill.elapsedMs,
      sentPerSecond: (1000 * sent.count) / sent.elapsedMs,
      ackedPerSecond: (1000 * acked.acked) / acked.elapsedMs,
      rssAfterFillMiB: rssAfterFill / 2 ** 20,
      rssPeakMiB: rssPeak / 2 ** 20,
      backlogAtEnd,
      brokerCpuUsPerMsg: (1000 * cpuMs) / (sent.count + acked.acked),
    };
  } finally {
    clearInterval(sampler);
    await Promise.all([producer.stop(), consumer.stop()]).catch(() => {
      producer.kill();
      consumer.kill();
    });
    await admin.close();
    await broker.stop();
  }
}

console.log(`bench:scale — durable mode, 100-byte bodies, ${SECONDS} s per scenario, producer ${WINDOW} sends in flight, prefetch ${TOTAL_PREFETCH} split over the subscriptions`);
const results: Result[] = [];
for (const scenario of chosen) {
  const r = await run(scenario);
  results.push(r);
  console.error(`  ${scenario.name}: ${fmt(r.ackedPerSecond)} acked/s, ${fmt(r.sentPerSecond)} sent/s, RSS ${fmt(r.rssAfterFillMiB)} → ${fmt(r.rssPeakMiB)} MiB`);
}
console.log();
printTable(
  ['scenario', 'backlog', 'queues', 'subs', 'fill msgs/s', 'e2e acked/s', 'sent/s', 'broker µs/msg', 'RSS after fill MiB', 'RSS peak MiB', 'backlog at end'],
  results.map((r) => [
    r.scenario.name,
    r.scenario.backlog.toLocaleString('en-US'),
    String(r.scenario.queues),
    String(r.scenario.subscribers),
    fmt(r.fillPerSecond),
    fmt(r.ackedPerSecond),
    fmt(r.sentPerSecond),
    fmt(r.brokerCpuUsPerMsg),
    fmt(r.rssAfterFillMiB),
    fmt(r.rssPeakMiB),
    r.backlogAtEnd.toLocaleString('en-US'),
  ]),
);
