/**
 * The task benchmark's drain workload, shared by bench/tasks.ts and bench/pg.ts: no-op tasks
 * pre-posted by a master in this process (PREPOST_IN_FLIGHT submits in flight, no worker running),
 * then drained by worker processes (bench/task-worker.ts), timed from the first handler start (the
 * smallest start time a handler returned) until the master holds every result.
 */
import { performance } from 'node:perf_hooks';
import { startMaster, type Master } from '../master/index.js';
import { spawnNode, type Proc } from './processes.js';
import { submitAll } from './task-post.js';

export const QUEUE = 'bench-tasks';
export const TASK = 'noop';
/** Submits in flight while pre-posting for a drain. */
const PREPOST_IN_FLIGHT = 1000;

/** Time now in ms since the epoch, comparable with the start times the worker processes return. */
export const now = (): number => performance.timeOrigin + performance.now();

/** A worker process on broker `url` running the no-op handler at `concurrency`. */
export async function startWorkerProcess(url: string, concurrency: number, nodeArgs: string[] = []): Promise<Proc> {
  const { proc } = await spawnNode(nodeArgs, 'bench/task-worker.ts', [url, QUEUE, String(concurrency)], /^ready$/);
  return proc;
}

let masterSeq = 0;
/** A master on broker `url` (it creates the queue the workers subscribe to). */
export function openMaster(url: string): Promise<Master> {
  return startMaster({ url, queue: QUEUE, name: `bench-${process.pid}-${masterSeq++}` });
}

/** Posts `count` no-op tasks; returns their result promises (each a handler's start time). */
export function prePost(master: Master, count: number): Promise<Promise<number>[]> {
  return submitAll<number>(master, TASK, Array.from({ length: count }, (_, i) => ({ i })), PREPOST_IN_FLIGHT);
}

/** Awaits every result; tasks/s from the first handler start until the last result is in. */
export async function drainRate(results: Promise<number>[]): Promise<number> {
  const starts = await Promise.all(results);
  const end = now();
  let first = Infinity;
  for (const s of starts) if (s < first) first = s;
  return (results.length / (end - first)) * 1000;
}
