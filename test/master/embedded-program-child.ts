/**
 * An embedded program, as a user writes one: an engine in process, a master and a worker on it, a
 * task that fails once (so its result waits for a retry's backoff), then a long poll on an empty
 * queue. It prints what it got, closes everything, and must then exit on its own.
 */
import { openEngine } from '../../core/index.js';
import { startMaster } from '../../master/index.js';
import { startWorker } from '../../worker/index.js';

const [path] = process.argv.slice(2);
const broker = openEngine({ path: path! });
const master = await startMaster({ broker, queue: 'jobs', name: 'program' });
let calls = 0;
const worker = await startWorker({
  broker,
  queue: 'jobs',
  handlers: {
    flaky: () => {
      if (++calls < 2) throw new Error('first try fails');
      return 'ok';
    },
  },
});
console.log(`result ${String(await master.run('flaky', null, { maxAttempts: 3, backoff: { type: 'fixed', delayMs: 300 } }))} after ${calls} calls`);
await master.close();
await worker.close();
await broker.createQueue('empty');
const started = Date.now();
const polled = await broker.receive('empty', { waitSeconds: 1 });
console.log(`long poll ${polled === null ? 'empty' : 'got one'} after ${Date.now() - started >= 950 ? 'its wait' : 'too little'}`);
await broker.close();
