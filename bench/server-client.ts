/**
 * Producer or consumer process of the server benchmark (bench/server.ts forks two of these). It
 * talks to the parent over the IPC channel, one request at a time ({id, req} in, {id, ok, result}
 * out), and to the broker with one SpoolClient kept for the process's life, so connections are
 * warm before anything is timed.
 *
 * Times that cross processes (a send's stamp, the first send and the last ack of a run) are wall
 * clock in ms with sub-ms resolution: performance.timeOrigin + performance.now(). On one machine
 * the processes share the system clock, so differences are meaningful to a few µs.
 */
import { LIMITS, SpoolClient, type Subscription } from '../core/index.js';
import { Latencies } from './measure.js';
import { serveAgent } from './processes.js';
import type { BenchRequest, CollectResult, FillResult, PacedResult, PipelinedResult, SequentialResult, StopResult } from './server-ipc.js';

const BODY_BYTES = 100;
const WARMUP_QUEUE = 'bench-warmup';

let client: SpoolClient | null = null;

function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

/** A 100-byte body that starts with the wall time it was made ("t:<ms>:xxx..."). */
function stampedBody(): string {
  return `t:${wallNow().toFixed(3)}:`.padEnd(BODY_BYTES, 'x');
}

function stampOf(body: string): number {
  return Number(body.slice(2, body.indexOf(':', 2)));
}

function cpuMsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1000;
}

function connected(): SpoolClient {
  if (!client) throw new Error('not connected: send {op: "connect"} first');
  return client;
}

/** Awaits each send before the next, for `seconds`. */
async function sequential(queue: string, transport: 'http' | 'ws', seconds: number): Promise<SequentialResult> {
  const c = connected();
  const latencies = new Latencies(65_536);
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  let count = 0;
  while (performance.now() < until) {
    const t = performance.now();
    if (transport === 'http') await c.send(queue, { body: stampedBody() });
    else await c.sendWs(queue, { body: stampedBody() });
    latencies.add(performance.now() - t);
    count++;
  }
  const elapsedMs = performance.now() - t0;
  const [p50Ms, p99Ms] = latencies.percentiles(50, 99);
  return { count, elapsedMs, p50Ms: p50Ms!, p99Ms: p99Ms!, cpuMs: cpuMsSince(cpu) };
}

/** Keeps `window` sendWs requests in flight for `seconds`, then waits for the last replies. */
async function pipelined(queues: string[], seconds: number, window: number): Promise<PipelinedResult> {
  const c = connected();
  const cpu = process.cpuUsage();
  const startedAt = wallNow();
  const t0 = performance.now();
  const until = t0 + seconds * 1000;
  let count = 0;
  const worker = async () => {
    while (performance.now() < until) {
      await c.sendWs(queues[count++ % queues.length]!, { body: stampedBody() });
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return { count, startedAt, elapsedMs: performance.now() - t0, cpuMs: cpuMsSince(cpu) };
}

/** Sends `rate` messages a second on a fixed schedule (not waiting for replies) for `seconds`. */
async function paced(queue: string, rate: number, seconds: number): Promise<PacedResult> {
  const c = connected();
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const replies: Promise<string>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = t0 + i * intervalMs - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    replies.push(c.sendWs(queue, { body: stampedBody() }));
  }
  await Promise.all(replies);
  return { sent: total, elapsedMs: performance.now() - t0 };
}

/** The consumer's side of a run: subscriptions that ack each message, counting (and timing) them. */
class Collector {
  acked = 0;
  lastAckAt = 0;
  readonly latencies = new Latencies(4096);
  readonly cpu = process.cpuUsage();
  private target = Infinity;
  private reached: (() => void) | null = null;
  private failure: Error | null = null;
  readonly startedAt = wallNow();
  readonly subscriptions: Subscription[] = [];

  constructor(private readonly measureLatency: boolean) {}

  handle = async (delivery: { body: string; ack(): Promise<void> }): Promise<void> => {
    // Delivery time first: the handler runs in the tick the deliver frame was parsed.
    if (this.measureLatency) this.latencies.add(wallNow() - stampOf(delivery.body));
    try {
      await delivery.ack();
    } catch (err) {
      this.failure ??= err as Error;
      this.reached?.();
      return;
    }
    this.acked++;
    this.lastAckAt = wallNow();
    if (this.acked >= this.target) this.reached?.();
  };

  async close(): Promise<void> {
    for (const subscription of this.subscriptions.splice(0)) await subscription.close();
  }

  async stop(): Promise<StopResult> {
    await this.close();
    if (this.failure) throw this.failure;
    return { acked: this.acked, elapsedMs: this.lastAckAt - this.startedAt, cpuMs: cpuMsSince(this.cpu) };
  }

  async waitFor(count: number, timeoutMs: number): Promise<CollectResult> {
    this.target = count;
    if (this.acked < count && this.failure === null) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.reached = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    await this.close();
    if (this.failure) throw this.failure;
    if (this.acked < count) throw new Error(`acked ${this.acked} of ${count} messages within ${timeoutMs} ms`);
    const [p50Ms, p99Ms, p999Ms] = this.latencies.percentiles(50, 99, 99.9);
    const cpuMs = cpuMsSince(this.cpu);
    return { acked: this.acked, lastAckAt: this.lastAckAt, p50Ms: p50Ms!, p99Ms: p99Ms!, p999Ms: p999Ms!, maxMs: this.latencies.percentiles(100)[0]!, cpuMs };
  }
}

let collector: Collector | null = null;

/** Puts `count` messages on `queues`, LIMITS.batchMax per sendBatchWs, `window` batches in flight. */
async function fill(queues: string[], count: number, window: number): Promise<FillResult> {
  const c = connected();
  const t0 = performance.now();
  let sent = 0;
  let batches = 0;
  const lane = async () => {
    while (sent < count) {
      const n = Math.min(LIMITS.batchMax, count - sent);
      sent += n;
      const queue = queues[batches++ % queues.length]!;
      await c.sendBatchWs(queue, Array.from({ length: n }, () => ({ body: stampedBody() })));
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  return { count, elapsedMs: performance.now() - t0 };
}

async function handle(req: BenchRequest): Promise<unknown> {
  switch (req.op) {
    case 'connect': {
      await client?.close();
      client = new SpoolClient({ url: req.url, requestTimeoutMs: 120_000 });
      // Opens the HTTP keep-alive connection and the WebSocket, and lets the JIT see both paths.
      for (let i = 0; i < 200; i++) await client.send(WARMUP_QUEUE, { body: stampedBody() });
      for (let i = 0; i < 200; i++) await client.sendWs(WARMUP_QUEUE, { body: stampedBody() });
      return {};
    }
    case 'sequential':
      return sequential(req.queue, req.transport, req.seconds);
    case 'pipelined':
      return pipelined(req.queues ?? [req.queue], req.seconds, req.window);
    case 'paced':
      return paced(req.queue, req.rate, req.seconds);
    case 'subscribe': {
      const c = connected();
      collector = new Collector(req.latency);
      for (const queue of req.queues ?? [req.queue]) {
        for (let i = 0; i < (req.subscribers ?? 1); i++) collector.subscriptions.push(await c.subscribe(queue, { prefetch: req.prefetch }, collector.handle));
      }
      return {};
    }
    case 'stop': {
      if (!collector) throw new Error('stop without subscribe');
      const result = await collector.stop();
      collector = null;
      return result;
    }
    case 'fill':
      return fill(req.queues, req.count, req.window);
    case 'collect': {
      if (!collector) throw new Error('collect without subscribe');
      const result = await collector.waitFor(req.count, req.timeoutMs);
      collector = null;
      return result;
    }
    case 'close':
      await client?.close();
      client = null;
      return {};
  }
}

serveAgent(handle);
