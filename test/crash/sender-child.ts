/**
 * Child process for the crash test (engine-crash.test.ts): opens an engine on a data dir and sends
 * as fast as it can until it is killed. Run with `node --import tsx test/crash/sender-child.ts`.
 *
 * Arguments: <db path> <ack log path> <first sequence number> <in flight> <durability>
 *
 * Every body carries a unique sequence number. After a send resolves (the engine's promise that
 * the message is durable), the child appends "<msgId> <seq>\n" to the ack log with fs.writeSync:
 * one write(2) per line, straight to the kernel, so the line survives SIGKILL. Lines are written
 * only after the acknowledgement, so the log never claims more than the engine promised.
 *
 * Most operations are single sends; one in eight is a sendBatch of five, so both paths are covered.
 * Once `READY_AFTER` messages are acknowledged it prints "ready" on stdout: the parent kills it
 * at a random moment after that.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { openEngine } from '../../core/index.js';

const READY_AFTER = 200;
const BATCH_EVERY = 8;
const BATCH_SIZE = 5;

const [path, logPath, firstSeqArg, inFlightArg, durabilityArg] = process.argv.slice(2);
if (!path || !logPath || !firstSeqArg || !inFlightArg || (durabilityArg !== 'fsync' && durabilityArg !== 'process')) {
  process.stderr.write('usage: sender-child.ts <db path> <ack log> <first seq> <in flight> <fsync|process>\n');
  process.exit(2);
}

const engine = openEngine({ path, durability: durabilityArg, onError: (err) => process.stderr.write(`engine error: ${err.message}\n`) });
const log = openSync(logPath, 'a');
let nextSeq = Number(firstSeqArg);
let acked = 0;
let ready = false;

function body(seq: number): string {
  return `seq:${seq}:`.padEnd(100, 'x');
}

function record(msgId: string, seq: number): void {
  writeSync(log, `${msgId} ${seq}\n`);
  acked++;
  if (!ready && acked >= READY_AFTER) {
    ready = true;
    process.stdout.write('ready\n');
  }
}

async function sender(worker: number): Promise<void> {
  for (let op = worker; ; op++) {
    if (op % BATCH_EVERY === 0) {
      const seqs = Array.from({ length: BATCH_SIZE }, () => nextSeq++);
      const ids = await engine.sendBatch('crash', seqs.map((seq) => ({ body: body(seq) })));
      ids.forEach((id, i) => record(id, seqs[i]!));
    } else {
      const seq = nextSeq++;
      record(await engine.send('crash', { body: body(seq) }), seq);
    }
  }
}

async function main(): Promise<void> {
  await engine.createQueue('crash');
  const senders = Array.from({ length: Number(inFlightArg) }, (_, i) => sender(i));
  await Promise.all(senders);
}

main().catch((err: unknown) => {
  process.stderr.write(`sender failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  closeSync(log);
  process.exit(1);
});
