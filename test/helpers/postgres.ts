/**
 * A throwaway PostgreSQL cluster from the installed binaries: initdb on a temp dir, pg_ctl start on
 * a free port (socket in the same dir), stop and remove. As root, PostgreSQL's programs run as the
 * `postgres` user (initdb refuses root). One cluster serves a whole test run (postgres-setup.ts);
 * a fault test may start its own to stop and restart.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.js';

export const INSTALL_HINT = 'PostgreSQL tests skipped: no PostgreSQL binaries (initdb, pg_ctl) found on PATH, via pg_config or in /usr/lib/postgresql/*/bin; install them with `apt-get install postgresql`';

/** The folder holding initdb and pg_ctl: from PATH, `pg_config --bindir`, or /usr/lib/postgresql/<newest>/bin. */
export function findPostgresBin(): string | null {
  const candidates: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, 'initdb'))) candidates.push(dirname(realpathSync(join(dir, 'initdb'))));
  }
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(join(root, v, 'bin'));
  }
  return candidates.find((dir) => ['initdb', 'pg_ctl', 'postgres'].every((p) => existsSync(join(dir, p)))) ?? null;
}

export interface ClusterInfo {
  bin: string;
  dataDir: string;
  port: number;
  /** Connection string of the `postgres` database, as the superuser `postgres`. */
  adminUrl: string;
}

export interface ClusterOptions {
  /**
   * Default false: fsync and full_page_writes off, as the tests need no durability across power
   * loss. true: the server's durable defaults, for benchmarks that should pay what production pays.
   */
  durable?: boolean;
}

export class PostgresCluster {
  private constructor(
    readonly info: ClusterInfo,
    private readonly dir: string,
    private readonly options: ClusterOptions,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<PostgresCluster> {
    const bin = findPostgresBin();
    if (!bin) throw new Error(INSTALL_HINT);
    const dir = mkdtempSync(join(tmpdir(), 'spool-pg-'));
    if (isRoot()) chownSync(dir, ...postgresIds());
    const dataDir = join(dir, 'data');
    const port = await freePort();
    const info: ClusterInfo = { bin, dataDir, port, adminUrl: `postgres://postgres@127.0.0.1:${port}/postgres` };
    const cluster = new PostgresCluster(info, dir, options);
    try {
      run(bin, 'initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
      cluster.startServer();
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
    return cluster;
  }

  /** Starts (or restarts) the server on its port and waits until it accepts connections. */
  startServer(): void {
    const { bin, dataDir, port } = this.info;
    // fsync off: the tests' machine does not lose power, and syncing would only slow them.
    const durability = this.options.durable ? '' : ' -c fsync=off -c full_page_writes=off';
    const settings = `-p ${port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c max_connections=300${durability}`;
    run(bin, 'pg_ctl', ['start', '-D', dataDir, '-w', '-t', '60', '-l', join(this.dir, 'server.log'), '-o', settings]);
  }

  /** Stops the server at once, as a crash would (`pg_ctl stop -m immediate`). */
  kill(): void {
    run(this.info.bin, 'pg_ctl', ['stop', '-D', this.info.dataDir, '-m', 'immediate', '-w']);
  }

  /** A new empty database; returns its connection string. */
  async createDatabase(name: string): Promise<string> {
    await this.admin(`CREATE DATABASE ${name}`);
    return this.info.adminUrl.replace(/\/postgres$/, `/${name}`);
  }

  async stop(): Promise<void> {
    try {
      run(this.info.bin, 'pg_ctl', ['stop', '-D', this.info.dataDir, '-m', 'fast', '-w']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private async admin(sql: string): Promise<void> {
    await adminQuery(this.info.adminUrl, sql);
  }
}

/** Runs one statement on a short-lived connection. */
export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(url: string, sql: string): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(sql)).rows;
  } finally {
    await client.end();
  }
}

function run(bin: string, program: string, args: string[]): void {
  const path = join(bin, program);
  const [file, argv] = isRoot() ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  try {
    execFileSync(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: tmpdir() });
  } catch (err) {
    const e = err as { stderr?: Buffer; stdout?: Buffer };
    throw new Error(`${program} ${args[0]} failed: ${e.stderr?.toString() || e.stdout?.toString() || String(err)}`, { cause: err });
  }
}

function isRoot(): boolean {
  return userInfo().uid === 0;
}

function postgresIds(): [number, number] {
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return [uid, gid];
}

