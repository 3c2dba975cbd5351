/**
 * The worker process for bench/tasks.ts: one `startWorker` with a no-op handler `noop` that
 * returns its start time (performance.timeOrigin + performance.now(), ms since the epoch), so the
 * master can time a drain from the first handler start and a post's latency to handler start
 * without any side channel.
 *
 *   node --import tsx bench/task-worker.ts <url> <queue> <concurrency>
 *
 * Prints `ready` once subscribed; closes and exits 0 on SIGTERM (so --cpu-prof writes its file).
 */
import { performance } from 'node:perf_hooks';
import { startWorker } from '../worker/index.js';

const [url, queue, concurrencyArg] = process.argv.slice(2);
if (!url || !queue) {
  console.error('usage: task-worker.ts <url> <queue> <concurrency>');
  process.exit(2);
}

const worker = await startWorker({
  url,
  queue,
  concurrency: Number(concurrencyArg ?? 1),
  handlers: { noop: () => performance.timeOrigin + performance.now() },
});
process.stdout.write('ready\n');

let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  void worker.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
