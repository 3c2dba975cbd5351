/**
 * Child processes for the crash and multi-node tests: output collected, exit as a promise, every
 * one killed by killChildren() (call it in afterEach), `spool serve` on a fixed port (so a broker
 * restarted after a SIGKILL keeps its URL), and the ack logs the producer children write.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { spawnCli } from './cli.js';

export { freePort } from './free-port.js';

/** A child process with its output collected and its exit as a promise. */
export interface Child {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();

/** SIGKILLs whatever a (failed) test left running. */
export function killChildren(): void {
  for (const proc of children) if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  children.clear();
}

export function track(proc: ChildProcess): Child {
  children.add(proc);
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.once('error', () => resolve({ code: null, signal: null }));
    proc.once('exit', (code, signal) => resolve({ code, signal }));
  });
  return { proc, stdout: () => stdout, stderr: () => stderr, exited };
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A TypeScript file run as a node child under tsx, from the repository root. */
export function spawnScript(script: string, args: string[]): Child {
  return track(spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `cond` every 10 ms; fails after `timeoutMs` with `what()` in the message. */
export async function until(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!cond()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
    await sleep(10);
  }
}

/** `spool serve` (the bundled CLI) on 127.0.0.1:`port` with `storeArgs` (`--data dir` or `--store url`); resolves once it listens. */
export async function startBroker(port: number, storeArgs: string[], timeoutMs: number): Promise<Child> {
  const broker = track(spawnCli(['serve', '--host', '127.0.0.1', '--port', String(port), ...storeArgs, '--log-level', 'silent']));
  let exited = false;
  void broker.exited.then(() => (exited = true));
  await until(
    () => exited || broker.stderr().includes('listening on'),
    timeoutMs,
    () => `broker did not start; stdout: ${broker.stdout()} stderr: ${broker.stderr()}`,
  );
  if (exited) throw new Error(`broker exited while starting; stderr:\n${broker.stderr()}`);
  return broker;
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The lines of a log a child wrote and closed: complete lines only, the text after the last is empty. */
export function readLines(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  expect(lines.pop()).toBe('');
  return lines;
}

/** "<msgId> <seq>" lines of test/crash/broker-producer-child.ts; every sequence number is acknowledged once. */
export function readAckLog(logPath: string, into: Map<number, string>): number {
  return parseAckLines(readLines(logPath), into, logPath);
}

/** Adds "<msgId> <seq>" lines to `into` (seq → msgId); returns how many there were. */
export function parseAckLines(lines: string[], into: Map<number, string>, logPath: string): number {
  for (const line of lines) {
    const [msgId, seq, extra] = line.split(' ');
    if (!msgId || !seq || extra !== undefined) throw new Error(`malformed ack log line ${JSON.stringify(line)} in ${logPath}`);
    if (into.has(Number(seq))) throw new Error(`sequence ${seq} acknowledged twice`);
    into.set(Number(seq), msgId);
  }
  return lines.length;
}
