// A broker with API keys, and a master and a worker that each present their own (docs/auth.md).
// Run: npm run example -- examples/api-keys.ts
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpoolClient } from 'spool/core';
import { startMaster } from 'spool/master';
import { startServer } from 'spool/server';
import { startWorker } from 'spool/worker';

// In production the keys come from a file (spool serve --api-keys keys.json; `spool key new` makes entries).
const MASTER_SECRET = 'master-secret-change-me-0123';
const WORKER_SECRET = 'worker-secret-change-me-0123';

await using broker = await startServer({
  port: 0,
  dataDir: mkdtempSync(join(tmpdir(), 'spool-example-')),
  logger: false,
  apiKeys: [
    // A master creates its task queue and its reply queue (spool-replies-<name>), posts tasks
    // (which name its reply queue as replyTo, hence send on it) and reads replies.
    { id: 'resize-master', secret: MASTER_SECRET, allow: { manage: ['images', 'spool-replies-resizer'], send: ['images', 'spool-replies-resizer'], receive: ['spool-replies-resizer'] } },
    // A worker takes tasks and sends replies, nothing more.
    { id: 'resize-worker', secret: WORKER_SECRET, allow: { receive: ['images'], send: ['spool-replies-*'] } },
  ],
});
await using master = await startMaster({ url: broker.url, apiKey: MASTER_SECRET, queue: 'images', name: 'resizer' });
await using worker = await startWorker({ url: broker.url, apiKey: WORKER_SECRET, queue: 'images', handlers: { resize: ({ width }: { width: number }) => ({ width: width / 2 }) } });
console.log('resized:', JSON.stringify(await master.run('resize', { width: 640 })), `(worker on ${worker.queue})`);

// The worker's key cannot post tasks.
await using client = new SpoolClient({ url: broker.url, apiKey: WORKER_SECRET });
await client.send('images', { body: '{}' }).catch((err: Error & { code?: string }) => console.log('worker key posting a task:', err.code, '-', err.message));
