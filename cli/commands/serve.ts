/** `spool serve`: runs a broker until SIGTERM or SIGINT (a second signal exits at once). */
import type { CommandModule } from 'yargs';
import { describeStore, isLoopback, resolveServerOptions, type ServerOptionsInput } from '../../core/server/options.js';
import { integer } from '../args.js';
import { closeOnSignals } from '../signals.js';

interface ServeArgs {
  host?: string;
  port?: number;
  data?: string;
  store?: string;
  durability?: string;
  config?: string;
  'log-level'?: string;
  'keep-leases-on-close'?: boolean;
  'api-keys'?: string;
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Run a broker (SQLite in --data, or PostgreSQL with --store); flags win over SPOOL_* env, which wins over --config',
  builder: (y) =>
    y
      .option('host', { type: 'string', describe: 'Address to bind [$SPOOL_HOST, default 127.0.0.1]' })
      .option('port', { describe: 'Port (0: any free one) [$SPOOL_PORT, default 7878]', coerce: integer('port', [0, 65535]) })
      .option('data', { type: 'string', describe: 'Data folder of the SQLite store [$SPOOL_DATA, default ./data]' })
      .option('store', { type: 'string', describe: "'sqlite', or postgres://user:pass@host:port/db to share one database between brokers [$SPOOL_STORE, default sqlite]" })
      .option('durability', {
        type: 'string',
        choices: ['fsync', 'process'],
        describe: "'fsync': acks survive power loss; 'process': only a crash [$SPOOL_DURABILITY]",
      })
      .option('config', { type: 'string', describe: 'JSON config file [$SPOOL_CONFIG]' })
      .option('log-level', { type: 'string', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], describe: '[$SPOOL_LOG_LEVEL]' })
      .option('keep-leases-on-close', { type: 'boolean', describe: 'Keep a closed socket’s leases until they expire' })
      .option('api-keys', { type: 'string', describe: 'JSON file of the API keys clients must present (docs/auth.md); needed to listen beyond loopback [$SPOOL_API_KEYS_FILE]' }),
  handler: async (args) => {
    const flags: ServerOptionsInput = {};
    if (args.host !== undefined) flags.host = args.host;
    if (args.port !== undefined) flags.port = args.port;
    if (args.data !== undefined) flags.dataDir = args.data;
    if (args.store !== undefined) flags.store = args.store;
    if (args.durability !== undefined) flags.durability = args.durability as ServerOptionsInput['durability'];
    if (args['log-level'] !== undefined) flags.logLevel = args['log-level'] as ServerOptionsInput['logLevel'];
    if (args['keep-leases-on-close'] !== undefined) flags.keepLeasesOnClose = args['keep-leases-on-close'];
    if (args['api-keys'] !== undefined) flags.apiKeysFile = args['api-keys'];
    const options = resolveServerOptions({ flags, env: process.env, configFile: args.config ?? null });
    // Loaded here, not at the top: the other commands need none of the server's dependencies.
    const { startServer } = await import('../../core/server/server.js');
    const server = await startServer(options);
    // Beside the logs, not in them: stdout carries pino's JSON (which has its own 'Server listening' record).
    const keys = options.apiKeysFile === null ? 'no API keys' : `API keys from ${options.apiKeysFile}`;
    process.stderr.write(`spool: listening on ${server.url} (store ${describeStore(options)}, durability ${options.durability}, ${keys}); dashboard at ${server.url}/dashboard\n`);
    if (options.apiKeysFile !== null && !isLoopback(options.host)) {
      process.stderr.write('spool: API keys travel as they are over plain HTTP: put TLS in front of the broker (docs/auth.md)\n');
    }

    closeOnSignals(() => server.close(), 'shutting down');
  },
};
