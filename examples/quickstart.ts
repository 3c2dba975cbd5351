// A master, a worker and the broker in one program (the broker is an in-process engine).
// Run: npm run example -- examples/quickstart.ts
import { openEngine } from 'spool/core';
import { startMaster } from 'spool/master';
import { startWorker } from 'spool/worker';

await using broker = openEngine({ path: ':memory:' });
await using master = await startMaster({ broker, queue: 'math', name: 'quickstart' });
await using worker = await startWorker({ broker, queue: 'math', handlers: { add: ({ a, b }: { a: number; b: number }) => a + b } });
console.log('2 + 3 =', await master.run('add', { a: 2, b: 3 }), `(worker on ${worker.queue})`);
