/** The master in process: startMaster({ broker: engine }), no server. */
import { SpoolClient } from '../../core/client/index.js';
import { afterEach } from 'vitest';
import { testEngine } from '../helpers/engine.js';
import { masterContract } from './master-contract.js';

const clients: SpoolClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

masterContract('embedded', async () => {
  const { engine } = testEngine();
  const client = SpoolClient.embedded(engine);
  clients.push(client);
  return { client, target: { broker: engine } };
});
