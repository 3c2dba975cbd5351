// Tasks nobody awaits, as a BullMQ `add` posts them: enqueue() resolves once the task is stored, the
// worker acks it when it ends, and no reply is written. Watch the worker's events for outcomes.
// Run: npm run example -- examples/fire-and-forget.ts
import { openEngine } from 'spool/core';
import { startMaster } from 'spool/master';
import { startWorker } from 'spool/worker';

await using broker = openEngine({ path: ':memory:' });
await using master = await startMaster({ broker, queue: 'emails', name: 'mailer' });
await using worker = await startWorker({ broker, queue: 'emails', concurrency: 8, handlers: { send: async ({ to }: { to: string }) => `sent to ${to}` } });

let done = 0;
const finished = new Promise<void>((resolve) =>
  worker.events.on('completed', () => {
    if (++done === 100) resolve();
  }),
);
const posted = await master.enqueueMany('send', Array.from({ length: 100 }, (_, i) => ({ to: `user${i}@example.com` })));
await finished;
const replies = await master.client.queueStats(master.replyQueue);
console.log(`ran ${done} of ${posted.length} tasks nobody awaited; replies written: ${replies.activeMsgNum + replies.inactiveMsgNum}`);
