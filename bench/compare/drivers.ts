/**
 * One driver per system: the calls a user of each library would write to add jobs (one, or in
 * bulk) and to run a worker with a no-op handler. Each library is loaded only in the process that
 * drives it. Settings are the libraries' defaults except where a process does not use a feature
 * (a producer is no worker and listens to no events).
 *
 * - Spool: startMaster / master.enqueue (resolves once the post is fsynced, or written in process
 *   mode); bulk: master.enqueueMany (batches of 16 per frame and commit over the master's
 *   WebSocket, all in flight); startWorker with a `noop` handler, counting its `completed` events.
 *   enqueue posts a task nobody awaits, as the peers' producers add jobs and listen to no events:
 *   the worker acks it, no reply is written (bench/tasks.ts measures tasks whose results the
 *   master awaits).
 * - BullMQ: Queue.add / Queue.addBulk; Worker with `concurrency`, counting `completed` events
 *   (the job moved to the completed set). Driver: ioredis.
 * - bee-queue: createJob().save() / saveAll; process(concurrency), counting `succeeded` events.
 */
import { performance } from 'node:perf_hooks';
import type { Target, SystemName } from './ipc.js';

/** Every job's data: 100 bytes of JSON with its index and the wall time it was added. */
export interface Payload {
  i: number;
  t: number;
  pad: string;
}

export const PAYLOAD_BYTES = 100;
export const TASK_NAME = 'noop';

export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export function makePayload(i: number, t = wallNow()): Payload {
  const bare = JSON.stringify({ i, t, pad: '' }).length;
  return { i, t, pad: 'x'.repeat(Math.max(0, PAYLOAD_BYTES - bare)) };
}

export interface Producer {
  add(payload: Payload): Promise<void>;
  addBulk(payloads: Payload[]): Promise<void>;
  close(): Promise<void>;
}

export interface WorkerHooks {
  started(payload: Payload): void;
  completed(): void;
}

export interface Consumer {
  close(): Promise<void>;
}

export interface Driver {
  producer(target: Target, queue: string): Promise<Producer>;
  worker(target: Target, queue: string, concurrency: number, hooks: WorkerHooks): Promise<Consumer>;
}

export async function loadDriver(system: SystemName): Promise<Driver> {
  switch (system) {
    case 'spool':
    case 'spool-process':
      return spoolDriver();
    case 'bullmq':
      return bullmqDriver();
    case 'bee-queue':
      return beeQueueDriver();
  }
}

function spoolUrl(target: Target): string {
  if (target.kind !== 'spool') throw new Error('Spool needs a broker URL');
  return target.url;
}

function redisPort(target: Target): number {
  if (target.kind !== 'redis') throw new Error('this system needs a Redis port');
  return target.port;
}

async function spoolDriver(): Promise<Driver> {
  const { startMaster } = await import('../../master/index.js');
  const { startWorker } = await import('../../worker/index.js');
  let masters = 0;
  return {
    async producer(target, queue) {
      const master = await startMaster({ url: spoolUrl(target), queue, name: `compare-${process.pid}-${masters++}` });
      return {
        async add(payload) {
          await master.enqueue(TASK_NAME, payload);
        },
        async addBulk(payloads) {
          await master.enqueueMany(TASK_NAME, payloads);
        },
        close: () => master.close(),
      };
    },
    async worker(target, queue, concurrency, hooks) {
      const worker = await startWorker({
        url: spoolUrl(target),
        queue,
        concurrency,
        handlers: { [TASK_NAME]: (payload: Payload) => void hooks.started(payload) },
      });
      worker.events.on('completed', () => hooks.completed());
      return worker;
    },
  };
}

async function bullmqDriver(): Promise<Driver> {
  const { Queue, Worker } = await import('bullmq');
  // maxRetriesPerRequest null: what BullMQ requires of a Worker's connection.
  const connection = (target: Target) => ({ host: '127.0.0.1', port: redisPort(target), maxRetriesPerRequest: null });
  return {
    async producer(target, queue) {
      const q = new Queue(queue, { connection: connection(target) });
      await q.waitUntilReady();
      return {
        async add(payload) {
          await q.add(TASK_NAME, payload);
        },
        async addBulk(payloads) {
          await q.addBulk(payloads.map((data) => ({ name: TASK_NAME, data })));
        },
        close: () => q.close(),
      };
    },
    async worker(target, queue, concurrency, hooks) {
      const worker = new Worker(
        queue,
        async (job) => {
          hooks.started(job.data as Payload);
        },
        { connection: connection(target), concurrency },
      );
      worker.on('completed', () => hooks.completed());
      worker.on('error', (err) => console.error('bullmq worker:', err));
      await worker.waitUntilReady();
      return { close: () => worker.close() };
    },
  };
}

async function beeQueueDriver(): Promise<Driver> {
  const { default: BeeQueue } = await import('bee-queue');
  const redis = (target: Target) => ({ host: '127.0.0.1', port: redisPort(target) });
  return {
    async producer(target, queue) {
      const q = new BeeQueue<Payload>(queue, { redis: redis(target), isWorker: false, getEvents: false });
      await q.ready();
      return {
        async add(payload) {
          await q.createJob(payload).save();
        },
        async addBulk(payloads) {
          const failed = await q.saveAll(payloads.map((p) => q.createJob(p)));
          if (failed.size > 0) throw new Error(`bee-queue saveAll: ${failed.size} jobs failed`);
        },
        close: () => q.close(),
      };
    },
    async worker(target, queue, concurrency, hooks) {
      const q = new BeeQueue<Payload>(queue, { redis: redis(target), getEvents: false });
      q.on('succeeded', () => hooks.completed());
      q.on('error', (err) => console.error('bee-queue worker:', err));
      await q.ready();
      q.process(concurrency, async (job) => {
        hooks.started(job.data);
      });
      return { close: () => q.close() };
    },
  };
}
