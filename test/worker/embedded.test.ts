/** The worker contract against an engine in this process (startWorker({ broker })). */
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { SpoolClient, openEngine, type Engine } from '../../core/index.js';
import { tempDir } from '../helpers/engine.js';
import { workerContract } from './worker-contract.js';

const open: { client: SpoolClient; engine: Engine }[] = [];

afterEach(async () => {
  for (const { client, engine } of open.splice(0)) {
    await client.close();
    await engine.close();
  }
});

workerContract('embedded', async () => {
  const engine = openEngine({ path: join(tempDir(), 'spool.db'), sweepIntervalMs: 100 });
  const client = SpoolClient.embedded(engine);
  open.push({ client, engine });
  return { client, target: { broker: engine } };
});
