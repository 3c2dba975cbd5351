/** The client contract against a real broker (HTTP + WebSocket on port 0). */
import { afterEach } from 'vitest';
import { SpoolClient } from '../../core/index.js';
import { startTestServer } from '../helpers/server.js';
import { clientContract } from './client-contract.js';

const clients: SpoolClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

clientContract('remote', async () => {
  const server = await startTestServer();
  const client = new SpoolClient({ url: server.url });
  clients.push(client);
  return { client, engine: server.engine };
});
