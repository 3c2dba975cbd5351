/**
 * The processes the multi-process benchmarks start: a `spool serve` broker from source on a temp
 * data dir, node scripts that print a ready line, and forked agents driven over IPC
 * (request {id, req} in, reply {id, ok, result | error} out). Also CPU and RSS of a child by pid.
 *
 * Used by bench/server.ts, bench/tasks.ts, bench/compare.ts and bench/scale.ts.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Linux clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every mainstream kernel). */
const CLOCK_TICKS = 100;

export interface Proc {
  child: ChildProcess;
  /** SIGTERM, then wait for exit (a graceful shutdown, which also writes a --cpu-prof file). */
  stop(): Promise<void>;
}

/**
 * Spawns a node child from source (tsx) and resolves once a line of its stdout or stderr matches `ready`.
 * Its stderr is kept (the last lines) and shown only if it fails to start or exits with an error,
 * so a graceful shutdown's notice does not interleave with the benchmark's output.
 */
export function spawnNode(nodeArgs: string[], script: string, scriptArgs: string[], ready: RegExp, timeoutMs = 60_000): Promise<{ proc: Proc; match: RegExpMatchArray }> {
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', script, ...scriptArgs], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr: string[] = [];
  const stderrLines = createInterface({ input: child.stderr! }).on('line', (line) => {
    stderr.push(line);
    if (stderr.length > 40) stderr.shift();
  });
  const exited = new Promise<void>((res) =>
    child.once('exit', (code) => {
      if (code !== 0 && stderr.length > 0) console.error(`${script} exited with ${code}:\n  ${stderr.join('\n  ')}`);
      res();
    }),
  );
  const proc: Proc = {
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`${script} did not print ${ready} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      rej(new Error(`${script} exited (${code}) before it was ready`));
    };
    child.once('exit', onExit);
    const onLine = (line: string) => {
      const match = line.match(ready);
      if (match) {
        clearTimeout(timer);
        child.off('exit', onExit);
        res({ proc, match });
      }
    };
    createInterface({ input: child.stdout! }).on('line', onLine);
    stderrLines.on('line', onLine);
  });
}

export type Durability = 'fsync' | 'process';

export interface SpoolBroker extends Proc {
  url: string;
  pid: number;
  dataDir: string;
  /** CPU time (user + system) of the broker so far, ms; NaN where /proc is missing. */
  cpuMs(): number;
  /** Resident set size now, bytes; NaN where /proc is missing. */
  rssBytes(): number;
}

/**
 * `spool serve` on port 0 with a fresh data dir (removed by stop()). `durability` fsync is the
 * default: every acknowledged write is fsynced; process survives a process crash, not power loss.
 */
export async function startSpoolBroker(options: { durability?: Durability; nodeArgs?: string[] } = {}): Promise<SpoolBroker> {
  const dataDir = mkdtempSync(join(tmpdir(), 'spool-bench-'));
  const args = ['serve', '--port', '0', '--data', dataDir, '--log-level', 'silent', '--durability', options.durability ?? 'fsync'];
  try {
    const { proc, match } = await spawnNode(options.nodeArgs ?? [], 'cli/main.ts', args, /listening on (http:\/\/\S+)/);
    const pid = proc.child.pid!;
    return {
      ...proc,
      url: match[1]!,
      pid,
      dataDir,
      cpuMs: () => processCpuMs(pid),
      rssBytes: () => processRssBytes(pid),
      async stop() {
        await proc.stop();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

export function processCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

export function processRssBytes(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

export type AgentReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** A forked script (see serveAgent), called like an async function over IPC. */
export class Agent<Req extends { op: string }> {
  private readonly pending = new Map<number, { resolve(result: unknown): void; reject(err: Error): void }>();
  private nextId = 1;
  private readonly exited: Promise<unknown>;

  private constructor(
    readonly name: string,
    private readonly proc: ChildProcess,
  ) {
    proc.on('message', (reply: AgentReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.result);
      else waiter?.reject(new Error(`${name}: ${reply.error}`));
    });
    this.exited = once(proc, 'exit');
    void this.exited.then(() => {
      for (const waiter of this.pending.values()) waiter.reject(new Error(`${name} process exited`));
      this.pending.clear();
    });
  }

  /** Forks `script` (a path or file: URL) under tsx; `nodeArgs` go before it (e.g. --cpu-prof). */
  static start<Req extends { op: string }>(name: string, script: string | URL, nodeArgs: string[] = []): Agent<Req> {
    const path = script instanceof URL ? fileURLToPath(script) : script;
    return new Agent<Req>(name, fork(path, [], { cwd: ROOT, execArgv: [...nodeArgs, '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  call<T>(req: Req): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      this.proc.send({ id, req });
    });
  }

  /** Sends {op: 'close'} (errors ignored), disconnects and waits for the exit. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    await this.call({ op: 'close' } as Req).catch(() => {});
    if (this.proc.connected) this.proc.disconnect();
    await this.exited;
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }
}

/** The child's side of Agent: answers each request with `handle`'s result; exits when the parent disconnects. */
export function serveAgent<Req>(handle: (req: Req) => Promise<unknown>): void {
  process.on('message', (message: { id: number; req: Req }) => {
    handle(message.req).then(
      (result) => process.send!({ id: message.id, ok: true, result } satisfies AgentReply),
      (err: unknown) => process.send!({ id: message.id, ok: false, error: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies AgentReply),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
