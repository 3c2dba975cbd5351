// A handlers module for the worker CLI. Run a broker and this worker, then post tasks:
//   npm start                                         # terminal 1: the broker
//   spool queue create images                         # terminal 2
//   spool worker examples/worker-module.mjs --queue images --concurrency 4
//   spool run --queue images --task thumbnail --input tasks.jsonl --output results.jsonl
import { setTimeout as sleep } from 'node:timers/promises';

export const handlers = {
  /** Reports progress and honours cancellation through ctx.signal. */
  async thumbnail({ width = 128, height = 128 } = {}, ctx) {
    for (let step = 1; step <= 4; step++) {
      ctx.signal.throwIfAborted();
      await sleep(5);
      ctx.progress(step / 4);
    }
    return { width, height, bytes: width * height * 3 };
  },
};
