/** The master over HTTP + WebSocket against a real broker on port 0. */
import { SpoolClient } from '../../core/client/index.js';
import { afterEach } from 'vitest';
import { startTestServer } from '../helpers/server.js';
import { masterContract } from './master-contract.js';

const clients: SpoolClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
});

masterContract('remote', async () => {
  const server = await startTestServer();
  const client = new SpoolClient({ url: server.url });
  clients.push(client);
  return { client, target: { url: server.url } };
});
