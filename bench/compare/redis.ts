/**
 * A redis-server of the benchmark's own: a free loopback port, a temp dir for its files, no RDB
 * snapshots, and the append-only file with the fsync policy asked for. Stopped (SIGTERM: it
 * flushes the AOF and exits) and its dir removed by stop().
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../test/helpers/free-port.js';
import { processCpuMs, processRssBytes } from '../processes.js';

/** Redis's appendfsync: always (fsync per write command), everysec (at most ~1 s lost on power loss), no (the OS decides). */
export type RedisFsync = 'always' | 'everysec' | 'no';

export interface RedisServer {
  port: number;
  pid: number;
  version: string;
  fsync: RedisFsync;
  cpuMs(): number;
  rssBytes(): number;
  stop(): Promise<void>;
}

/** The redis-server version, or null when it is not on PATH. */
export function redisVersion(bin = 'redis-server'): string | null {
  const out = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (out.error || out.status !== 0) return null;
  return /v=(\S+)/.exec(out.stdout)?.[1] ?? out.stdout.trim();
}


export async function startRedis(fsync: RedisFsync, bin = 'redis-server'): Promise<RedisServer> {
  const version = redisVersion(bin);
  if (version === null) throw new Error(`${bin} not found`);
  const dir = mkdtempSync(join(tmpdir(), 'spool-bench-redis-'));
  const port = await freePort();
  // prettier-ignore
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes', '--appendfsync', fsync, '--protected-mode', 'yes', '--loglevel', 'warning', '--daemonize', 'no'];
  const child: ChildProcess = spawn(bin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = once(child, 'exit');
  try {
    await waitForPing(port, child);
  } catch (err) {
    child.kill('SIGKILL');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const pid = child.pid!;
  return {
    port,
    pid,
    version,
    fsync,
    cpuMs: () => processCpuMs(pid),
    rssBytes: () => processRssBytes(pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls PING over a raw socket until +PONG (redis-server is ready), for up to 10 s. */
async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}) while starting`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let reply = '';
      socket.setEncoding('utf8');
      socket.once('connect', () => socket.write('PING\r\n'));
      socket.on('data', (chunk: string) => {
        reply += chunk;
        if (reply.includes('\r\n')) {
          socket.destroy();
          resolve(reply.startsWith('+PONG'));
        }
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
}
