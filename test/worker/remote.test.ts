/** The worker contract over HTTP + WebSocket to a real broker on port 0. */
import { afterEach } from 'vitest';
import { SpoolClient } from '../../core/client/index.js';
import { startTestServer } from '../helpers/server.js';
import { workerContract } from './worker-contract.js';

const clients: SpoolClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

workerContract('remote', async () => {
  const server = await startTestServer();
  const client = new SpoolClient({ url: server.url });
  clients.push(client);
  return { client, target: { url: server.url } };
});
