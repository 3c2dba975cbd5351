/**
 * `spool key new`: makes an API key (a random secret) and prints its entry for a broker's keys file
 * (docs/auth.md). Nothing is stored: the entry goes into the file, the secret to the client.
 */
import { randomBytes } from 'node:crypto';
import type { CommandModule } from 'yargs';
import { KeyRing, PERMISSIONS, type ApiKeySpec, type Permission } from '../../core/server/auth/api-keys.js';
import { UsageError } from '../args.js';

type KeyArgs = { id: string } & Partial<Record<Permission, string[]>>;

const newKey: CommandModule<object, KeyArgs> = {
  command: 'new',
  describe: 'Make an API key and print its entry for the keys file (spool serve --api-keys)',
  builder: (y) => {
    let out = y.option('id', { type: 'string', demandOption: true, describe: 'The key’s name (logs, signed CMQ/SQS requests)' });
    for (const permission of PERMISSIONS) {
      out = out.option(permission, { type: 'string', array: true, describe: `Queues it may ${permission}: names, prefix*, or *` });
    }
    return out as typeof out & { argv: KeyArgs };
  },
  handler: async (args) => {
    const allow: ApiKeySpec['allow'] = {};
    for (const permission of PERMISSIONS) if (args[permission]) allow[permission] = args[permission];
    if (Object.keys(allow).length === 0) throw new UsageError('give the key at least one of --send, --receive, --manage');
    const entry: ApiKeySpec = { id: args.id, secret: randomBytes(24).toString('base64url'), allow };
    try {
      KeyRing.of([entry], 'the new key');
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    process.stdout.write(`${JSON.stringify(entry)}\n`);
  },
};

export const keyCommand: CommandModule = {
  command: 'key <command>',
  describe: 'API keys for a broker',
  builder: (y) => y.command(newKey).demandCommand(1, 'Name a key command: new'),
  handler: () => {},
};
