// A master that survives its own restart: it posts tasks, stops before their results come in,
// and a new master with the same name collects every result from its durable reply queue.
// Run: npm run example -- examples/durable-master.ts
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from 'spool/core';
import { startMaster } from 'spool/master';
import { startWorker } from 'spool/worker';

const dir = mkdtempSync(join(tmpdir(), 'spool-example-'));
const path = join(dir, 'spool.db');
try {
  // First life: post three tasks, then go away before anything runs.
  const taskIds: string[] = [];
  {
    await using broker = openEngine({ path });
    await using master = await startMaster({ broker, queue: 'reports', name: 'nightly' });
    for (const day of ['mon', 'tue', 'wed']) taskIds.push((await master.submit('report', { day })).taskId);
    console.log(`posted ${taskIds.length} tasks, then stopped`);
  }

  // Second life, after a restart: a worker runs the tasks; the master with the same name collects them.
  await using broker = openEngine({ path });
  await using master = await startMaster({ broker, queue: 'reports', name: 'nightly' });
  await using worker = await startWorker({ broker, queue: 'reports', handlers: { report: ({ day }: { day: string }) => `report for ${day}` } });
  const results = await Promise.all(taskIds.map((id) => master.result<string>(id)));
  console.log(`collected after restart: ${results.join(', ')} (worker on ${worker.queue})`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
