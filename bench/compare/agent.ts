/**
 * A producer or worker process of bench/compare.ts: one system's driver, driven over IPC (see
 * ipc.ts). Times are taken here, around the library calls only: connecting and warming up are
 * outside them. Wall times that cross processes are performance.timeOrigin + performance.now().
 */
import { Latencies } from '../measure.js';
import { serveAgent } from '../processes.js';
import { loadDriver, makePayload, wallNow, type Consumer, type Driver, type Producer } from './drivers.js';
import type { AgentRequest, CollectResult, ProduceResult } from './ipc.js';

/** Jobs a producer adds (one by one, then in one bulk call) to a queue of its own before anything is timed. */
const WARMUP_JOBS = 300;
/** Jobs per bulk call when pre-filling a queue for a drain. */
const PREFILL_CHUNK = 1000;

let driver: Driver | null = null;
let open: { target: Extract<AgentRequest, { op: 'open' }>['target']; queue: string; role: 'producer' | 'worker' } | null = null;
let producer: Producer | null = null;
let consumer: Consumer | null = null;
let tally: Tally | null = null;

/** What the worker's hooks count: first start, completions, and add→start latency. */
class Tally {
  firstStartAt = Infinity;
  completed = 0;
  lastCompletedAt = 0;
  readonly latencies = new Latencies(4096);
  readonly cpu = process.cpuUsage();
  private target = Infinity;
  private reached: (() => void) | null = null;

  started(t: number): void {
    const now = wallNow();
    if (now < this.firstStartAt) this.firstStartAt = now;
    this.latencies.add(now - t);
  }

  done(): void {
    this.completed++;
    if (this.completed === this.target) {
      this.lastCompletedAt = wallNow();
      this.reached?.();
    }
  }

  async waitFor(count: number, timeoutMs: number): Promise<CollectResult> {
    this.target = count;
    if (this.completed >= count) this.lastCompletedAt ||= wallNow();
    else {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.reached = resolve;
        timer = setTimeout(resolve, timeoutMs);
      });
      clearTimeout(timer);
    }
    if (this.completed < count) throw new Error(`completed ${this.completed} of ${count} jobs within ${timeoutMs} ms`);
    const [p50, p99, max] = this.latencies.percentiles(50, 99, 100);
    const { user, system } = process.cpuUsage(this.cpu);
    return { completed: this.completed, firstStartAt: this.firstStartAt, lastCompletedAt: this.lastCompletedAt, latency: { p50: p50!, p99: p99!, max: max! }, cpuMs: (user + system) / 1000 };
  }
}

function theProducer(): Producer {
  if (!producer) throw new Error('open a producer first');
  return producer;
}

/** Times `fn` (wall and this process's CPU). */
async function timed(count: number, fn: () => Promise<void>): Promise<ProduceResult> {
  const cpu = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const elapsedMs = performance.now() - t0;
  const { user, system } = process.cpuUsage(cpu);
  return { count, elapsedMs, cpuMs: (user + system) / 1000 };
}

const payloads = (count: number) => Array.from({ length: count }, (_, i) => makePayload(i));

async function handle(req: AgentRequest): Promise<unknown> {
  switch (req.op) {
    case 'open': {
      driver = await loadDriver(req.system);
      open = { target: req.target, queue: req.queue, role: req.role };
      if (req.role === 'producer') {
        const warm = await driver.producer(req.target, `${req.queue}-warmup`);
        for (let i = 0; i < WARMUP_JOBS; i++) await warm.add(makePayload(i));
        await warm.addBulk(payloads(WARMUP_JOBS));
        await warm.close();
        producer = await driver.producer(req.target, req.queue);
      }
      return {};
    }
    case 'sequential':
      return timed(req.count, async () => {
        const p = theProducer();
        for (let i = 0; i < req.count; i++) await p.add(makePayload(i));
      });
    case 'bulk': {
      const batch = payloads(req.count); // made before the clock starts, as a caller would have them
      return timed(req.count, () => theProducer().addBulk(batch));
    }
    case 'prefill':
      return timed(req.count, async () => {
        for (let i = 0; i < req.count; i += PREFILL_CHUNK) await theProducer().addBulk(payloads(Math.min(PREFILL_CHUNK, req.count - i)));
      });
    case 'paced': {
      const p = theProducer();
      const total = Math.round(req.rate * req.seconds);
      const intervalMs = 1000 / req.rate;
      const adds: Promise<void>[] = [];
      return timed(total, async () => {
        const t0 = performance.now();
        for (let i = 0; i < total; i++) {
          const wait = t0 + i * intervalMs - performance.now();
          if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          adds.push(p.add(makePayload(i)));
        }
        await Promise.all(adds);
      });
    }
    case 'work': {
      if (!driver || !open || open.role !== 'worker') throw new Error('open a worker first');
      const t = (tally = new Tally());
      consumer = await driver.worker(open.target, open.queue, req.concurrency, { started: (payload) => t.started(payload.t), completed: () => t.done() });
      return {};
    }
    case 'collect':
      if (!tally) throw new Error('collect before work');
      return tally.waitFor(req.count, req.timeoutMs);
    case 'close':
      await consumer?.close();
      await producer?.close();
      consumer = producer = null;
      return {};
  }
}

serveAgent(handle);
