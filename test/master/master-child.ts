/**
 * Child process for the master crash test (crash.test.ts): starts a master and posts `count`
 * 'double' tasks, printing "posted <taskId>" for each once it is durable, then "all-posted", and
 * waits for results until it is killed. Run with `node --import tsx test/master/master-child.ts`.
 *
 * Arguments: <broker url> <task queue> <master name> <count>
 */
import { writeSync } from 'node:fs';
import { startMaster } from '../../master/index.js';

const [url, queue, name, countArg] = process.argv.slice(2);
if (!url || !queue || !name || !countArg) {
  process.stderr.write('usage: master-child.ts <url> <queue> <name> <count>\n');
  process.exit(2);
}

const master = await startMaster({ url, queue, name });
const results: Promise<unknown>[] = [];
for (let i = 0; i < Number(countArg); i++) {
  const handle = await master.submit('double', i);
  // writeSync: one write(2) per line, so a line printed survives SIGKILL.
  writeSync(1, `posted ${handle.taskId} ${i}\n`);
  results.push(handle.result.then((r) => writeSync(1, `result ${handle.taskId} ${JSON.stringify(r)}\n`)));
}
writeSync(1, 'all-posted\n');
await Promise.allSettled(results);
// Stays up until killed, like a master in the middle of a long batch.
setInterval(() => {}, 1 << 30);
