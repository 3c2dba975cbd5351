/** resolveServerOptions: defaults < config file < environment < flags, and messages that name the option. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { describeStore, DEFAULT_SERVER_OPTIONS, resolveServerOptions } from '../../core/server/options.js';
import { tempDir } from '../helpers/engine.js';

function configFile(content: unknown): string {
  const path = join(tempDir(), 'spool.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('resolveServerOptions', () => {
  test('named defaults: 127.0.0.1:7878, ./data, fsync, 30 s long polls', () => {
    const options = resolveServerOptions();
    expect(options).toMatchObject({ host: '127.0.0.1', port: 7878, dataDir: './data', durability: 'fsync', logLevel: 'info', keepLeasesOnClose: false });
    expect(options.databasePath).toBe(join('./data', 'spool.db'));
    expect(options.limits).toEqual(DEFAULT_SERVER_OPTIONS.limits);
    expect(options.limits.longPollMaxSeconds).toBe(30);
    expect(options.limits.bodyLimitBytes).toBeGreaterThan(2 * 1024 * 1024);
    expect(options.limits.sendBodyLimitBytes).toBeGreaterThan(16 * 1024 * 1024);
  });

  test('config file < environment < flags', () => {
    const file = configFile({ host: '0.0.0.0', port: 1000, dataDir: '/var/spool', limits: { maxConnections: 5, shutdownTimeoutMs: 7 } });
    const env = { SPOOL_PORT: '2000', SPOOL_MAX_CONNECTIONS: '50', SPOOL_KEEP_LEASES_ON_CLOSE: 'yes', SPOOL_LOG_LEVEL: 'warn' };
    const options = resolveServerOptions({ configFile: file, env, flags: { port: 3000, limits: { maxConnections: 500 } } });
    expect(options).toMatchObject({ host: '0.0.0.0', port: 3000, dataDir: '/var/spool', keepLeasesOnClose: true, logLevel: 'warn' });
    expect(options.databasePath).toBe(join('/var/spool', 'spool.db'));
    expect(options.limits).toMatchObject({ maxConnections: 500, shutdownTimeoutMs: 7, bodyLimitBytes: DEFAULT_SERVER_OPTIONS.limits.bodyLimitBytes });
    expect(resolveServerOptions({ configFile: file, env }).port).toBe(2000);
    expect(resolveServerOptions({ configFile: file }).port).toBe(1000);
  });

  test('SPOOL_CONFIG names the config file; empty variables are ignored; undefined flags do not override', () => {
    const file = configFile({ durability: 'process' });
    const options = resolveServerOptions({ env: { SPOOL_CONFIG: file, SPOOL_HOST: '' }, flags: { durability: undefined } });
    expect(options.durability).toBe('process');
    expect(options.host).toBe('127.0.0.1');
  });

  test('the process environment is read only when passed', () => {
    const saved = process.env.SPOOL_PORT;
    process.env.SPOOL_PORT = '9999';
    try {
      expect(resolveServerOptions().port).toBe(7878);
      expect(resolveServerOptions({ env: process.env }).port).toBe(9999);
    } finally {
      if (saved === undefined) delete process.env.SPOOL_PORT;
      else process.env.SPOOL_PORT = saved;
    }
  });

  test.each([
    [{ env: { SPOOL_PORT: 'eighty' } }, /port must be an integer from 0 to 65535, got "eighty" \(from SPOOL_PORT\)/],
    [{ env: { SPOOL_PORT: '65536' } }, /port must be an integer from 0 to 65535, got 65536 \(from SPOOL_PORT\)/],
    [{ env: { SPOOL_DURABILITY: 'maybe' } }, /durability must be one of fsync, process, got "maybe" \(from SPOOL_DURABILITY\)/],
    [{ env: { SPOOL_KEEP_LEASES_ON_CLOSE: 'sometimes' } }, /keepLeasesOnClose must be true or false/],
    [{ env: { SPOOL_LOG_LEVEL: 'loud' } }, /logLevel must be one of fatal, error, warn, info, debug, trace, silent/],
    [{ flags: { host: '  ' } }, /host must be a non-empty string, got " {2}" \(from flags\)/],
    [{ flags: { port: 1.5 } }, /port must be an integer/],
    [{ flags: { limits: { longPollMaxSeconds: 31 } } }, /limits.longPollMaxSeconds must be an integer from 0 to 30/],
    [{ flags: { limits: { maxConnections: 0 } } }, /limits.maxConnections must be an integer from 1/],
    [{ flags: { limits: { bodyLimitBytes: 4096, sendBodyLimitBytes: 2048 } } }, /sendBodyLimitBytes \(2048\) must not be less than limits.bodyLimitBytes/],
    [{ flags: { colour: 'blue' } as never }, /unknown option "colour" \(from flags\)/],
    [{ flags: { limits: { speed: 1 } } as never }, /unknown option "limits.speed"/],
    [{ flags: { databasePath: '/x.db' } as never }, /databasePath cannot be set/],
    [{ env: { SPOOL_STORE: 'mysql://db/x' } }, /store must be 'sqlite' or a valid postgres:\/\/.* got something else \(from SPOOL_STORE\)/],
    // A port out of range: refused as configuration, and the password in it is not repeated.
    [{ flags: { store: 'postgres://spool:S3cr3t@db:99999/spool' } }, /^(?!.*S3cr3t).*store must be 'sqlite' or a valid postgres:\/\/.*\(from flags\)$/],
  ])('%j is refused: %s', (sources, message) => {
    expect(() => resolveServerOptions(sources)).toThrow(message);
    try {
      resolveServerOptions(sources);
    } catch (err) {
      expect(err).toMatchObject({ code: 'INVALID_PARAMETER' });
    }
  });

  test('config file problems name the file', () => {
    expect(() => resolveServerOptions({ configFile: '/nonexistent/spool.json' })).toThrow(/cannot read config file \/nonexistent\/spool.json/);
    const broken = configFile('{ "port": ');
    expect(() => resolveServerOptions({ configFile: broken })).toThrow(new RegExp(`config file ${broken} is not valid JSON`));
    const list = configFile([1, 2]);
    expect(() => resolveServerOptions({ configFile: list })).toThrow(/options must be an object/);
    const bad = configFile({ port: '80' });
    expect(() => resolveServerOptions({ configFile: bad })).toThrow(new RegExp(`port must be an integer from 0 to 65535, got "80" \\(from config file ${bad}\\)`));
  });
});

describe('describeStore', () => {
  test('never prints a password, in the user part or in the query', () => {
    const shown = describeStore({ store: 'postgres://spool:S3cr3t@db:5432/spool?password=Qu3ry&sslpassword=K3y&sslmode=require', databasePath: '' });
    expect(shown).not.toMatch(/S3cr3t|Qu3ry|K3y/);
    expect(shown).toBe('PostgreSQL postgres://spool:***@db:5432/spool?password=***&sslpassword=***&sslmode=require');
    expect(describeStore({ store: 'sqlite', databasePath: 'data/spool.db' })).toBe('SQLite data/spool.db');
  });
});
