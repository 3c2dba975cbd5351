/**
 * Crash test: a child process (sender-child.ts) sends as fast as it can, logging each acknowledged
 * msgId; it is killed with SIGKILL at a random moment, ten times in a row on one data dir. After
 * reopening, every acknowledged message must be there exactly once, under the msgId it was
 * acknowledged with. Messages stored but not yet acknowledged when the kill came are allowed (their
 * promise never resolved); they are counted and reported, and must not be duplicated either.
 *
 * The same runs, fewer of them, check durability 'process', which promises as much for a process
 * crash (its commits reach the OS, unsynced).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openEngine, type Engine, type ReceivedMessage } from '../../core/index.js';
import { parseAckLines } from '../helpers/children.js';
import { tempDir } from '../helpers/engine.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = fileURLToPath(new URL('./sender-child.ts', import.meta.url));

const KILLS = 10;
/** 'process' mode promises the same under a process crash (not power loss); fewer runs keep the suite short. */
const PROCESS_MODE_KILLS = 5;
const IN_FLIGHT = 200;
/** After the child reports its first acknowledgements, it is killed within this many ms. */
const MAX_KILL_DELAY_MS = 400;
/** Generous: starting node with tsx on a loaded 2-core machine can take seconds. */
const READY_TIMEOUT_MS = 20_000;
/** Sequence numbers of run i start at i * SEQ_STRIDE, so they are unique across runs. */
const SEQ_STRIDE = 100_000_000;

interface RunResult {
  delayMs: number;
  acked: number;
}

/** Starts the child, waits until it has acknowledged some messages, kills it after a random delay. */
async function sendAndKill(path: string, logPath: string, firstSeq: number, durability: 'fsync' | 'process'): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, path, logPath, String(firstSeq), String(IN_FLIGHT), durability], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });

  const ready = await Promise.race([
    new Promise<boolean>((resolve) => {
      const check = () => {
        if (stdout.includes('ready')) {
          child.stdout.off('data', check);
          resolve(true);
        }
      };
      child.stdout.on('data', check);
    }),
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(false), READY_TIMEOUT_MS)),
  ]);
  if (!ready) {
    child.kill('SIGKILL');
    const { code, signal } = await exited;
    throw new Error(`sender child never became ready (exit code ${code}, signal ${signal}); stderr:\n${stderr}`);
  }

  const delayMs = Math.floor(Math.random() * MAX_KILL_DELAY_MS);
  await new Promise((resolve) => setTimeout(resolve, delayMs));
  child.kill('SIGKILL');
  const { code, signal } = await exited;
  // Anything but our SIGKILL means the child stopped on its own: a failure, not a crash we caused.
  if (signal !== 'SIGKILL') throw new Error(`sender child exited by itself (code ${code}, signal ${signal}); stderr:\n${stderr}`);
  return delayMs;
}

/** "<msgId> <seq>" lines; a last line cut short by the kill (no newline) is ignored. */
function readAckLog(logPath: string, into: Map<number, string>): number {
  let text: string;
  try {
    text = readFileSync(logPath, 'utf8');
  } catch {
    return 0;
  }
  const lines = text.split('\n');
  lines.pop(); // the text after the last newline: empty, or a torn line
  return parseAckLines(lines, into, logPath);
}

/** Leases every ready message of `queue` once (long lease, no delete) and returns them. */
async function drain(engine: Engine, queue: string, expected: number): Promise<ReceivedMessage[]> {
  const got: ReceivedMessage[] = [];
  if (expected === 0) return got;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`drain got ${got.length} of ${expected} messages`)), 60_000);
    const consumer = engine.consume(queue, { prefetch: 10_000, visibilityTimeout: 3600 }, (message) => {
      got.push(message);
      if (got.length === expected) {
        clearTimeout(timer);
        consumer.close();
        resolve();
      }
    });
  });
  // Nothing beyond what stats counted may remain receivable.
  got.push(...(await engine.receiveBatch(queue, { max: 16, waitSeconds: 0 })));
  return got;
}

async function crashRepeatedly(durability: 'fsync' | 'process', kills: number): Promise<void> {
  const dir = tempDir('spool-crash-');
  const path = join(dir, 'spool.db');
  const acked = new Map<number, string>();
  const runs: RunResult[] = [];
  const started = performance.now();

  for (let i = 0; i < kills; i++) {
    const logPath = join(dir, `acks-${i}.log`);
    const delayMs = await sendAndKill(path, logPath, i * SEQ_STRIDE, durability);
    runs.push({ delayMs, acked: readAckLog(logPath, acked) });
  }
  const killedAt = performance.now();

  const engine = openEngine({ path, durability, sweepIntervalMs: 60_000 });
  try {
    const before = await engine.stats('crash');
    const delivered = await drain(engine, 'crash', before.activeMsgNum);
    const after = await engine.stats('crash');

    const seqOfMsgId = new Map<string, number>();
    const copiesOfSeq = new Map<number, number>();
    for (const m of delivered) {
      const match = /^seq:(\d+):x*$/.exec(m.body);
      expect(match, `body of ${m.msgId}`).not.toBeNull();
      const seq = Number(match![1]);
      expect(seqOfMsgId.has(m.msgId), `msgId ${m.msgId} delivered twice`).toBe(false);
      seqOfMsgId.set(m.msgId, seq);
      copiesOfSeq.set(seq, (copiesOfSeq.get(seq) ?? 0) + 1);
    }

    const duplicated = [...copiesOfSeq].filter(([, n]) => n > 1).map(([seq]) => seq);
    const missing: number[] = [];
    const wrongId: number[] = [];
    for (const [seq, msgId] of acked) {
      if (!copiesOfSeq.has(seq)) missing.push(seq);
      else if (seqOfMsgId.get(msgId) !== seq) wrongId.push(seq);
    }
    const unackedStored = [...copiesOfSeq.keys()].filter((seq) => !acked.has(seq)).length;

    console.log(
      `crash test (${durability}): ${kills} SIGKILLs in ${((killedAt - started) / 1000).toFixed(1)} s; ` +
        `acknowledged per run [${runs.map((r) => `${r.acked}@+${r.delayMs}ms`).join(', ')}]; ` +
        `acknowledged ${acked.size}, stored ${delivered.length}, stored but never acknowledged ${unackedStored} (allowed), ` +
        `missing ${missing.length}, duplicated ${duplicated.length}, wrong msgId ${wrongId.length}`,
    );

    expect(runs.every((r) => r.acked > 0)).toBe(true);
    expect(missing.slice(0, 10), `${missing.length} acknowledged messages missing`).toEqual([]);
    expect(duplicated.slice(0, 10), `${duplicated.length} messages stored more than once`).toEqual([]);
    expect(wrongId.slice(0, 10), `${wrongId.length} messages stored under another msgId`).toEqual([]);
    expect(delivered.length).toBe(before.activeMsgNum);
    expect(after.activeMsgNum).toBe(0);
    expect(after.inactiveMsgNum).toBe(delivered.length);
  } finally {
    await engine.close();
  }
}

describe('engine crash safety', () => {
  it(`keeps every acknowledged send, exactly once, across ${KILLS} SIGKILLs (durability fsync)`, async () => {
    await crashRepeatedly('fsync', KILLS);
  }, 120_000);

  it(`keeps every acknowledged send, exactly once, across ${PROCESS_MODE_KILLS} SIGKILLs (durability process)`, async () => {
    await crashRepeatedly('process', PROCESS_MODE_KILLS);
  }, 120_000);
});
