// Fan-out / fan-in: one master posts 200 tasks to two workers with at most 20 in flight, shows
// progress as results come back, and gathers them in input order. Then it streams a second batch
// in completion order.
// Run: npm run example -- examples/pipeline.ts
import { openEngine } from 'spool/core';
import { startMaster } from 'spool/master';
import { startWorker } from 'spool/worker';

const handlers = {
  // Pretend work: a few milliseconds, then the word's length and its reverse.
  analyse: async (word: string) => {
    await new Promise((resolve) => setTimeout(resolve, 2 + (word.length % 5)));
    return { word, length: word.length, reversed: [...word].reverse().join('') };
  },
};

await using broker = openEngine({ path: ':memory:' });
await using master = await startMaster({ broker, queue: 'words', name: 'pipeline' });
await using first = await startWorker({ broker, queue: 'words', handlers, concurrency: 8 });
await using second = await startWorker({ broker, queue: 'words', handlers, concurrency: 8 });

const words = Array.from({ length: 200 }, (_, i) => `word-${i.toString(36)}`);
const results = await master.map<{ word: string; length: number }>('analyse', words, {
  concurrency: 20,
  onProgress: ({ done, total }) => {
    if (done % 50 === 0 || done === total) console.log(`progress: ${done}/${total}`);
  },
});
const total = results.reduce((sum, r) => sum + r.length, 0);
console.log(`gathered ${results.length} results in input order; first ${results[0]!.word}, total length ${total}`);

let streamed = 0;
for await (const outcome of master.stream('analyse', ['alpha', 'beta', 'gamma'], { concurrency: 3 })) {
  if (outcome.ok) streamed++;
}
console.log(`streamed ${streamed} results in completion order (workers: ${first.queue}, ${second.queue})`);
