/**
 * Producer process for the broker crash test (broker-crash.test.ts): sends to a broker in another
 * process, over HTTP or over the WebSocket, until told to stop, while that broker is killed and
 * restarted under it. Run with `node --import tsx test/crash/broker-producer-child.ts`.
 *
 * Arguments: <broker url> <queue> <ack log path> <http|ws> <first sequence number> <in flight>
 *
 * Every body carries a unique sequence number. When a send is acknowledged, the child appends
 * "<msgId> <seq>\n" to the ack log with fs.writeSync (one write(2) per acknowledgement, straight
 * to the kernel), so the log never claims more than the broker promised.
 *
 * A send that fails because the broker is gone (connection refused or dropped, no reply in time)
 * is retried with the same sequence numbers until it is acknowledged: if the failed attempt had in
 * fact been stored, the message is then stored twice. That is the at-least-once contract; the test
 * counts such duplicates. In 'http' mode the client's fetch finds the broker down at once, so
 * retries wait a little; in 'ws' mode the client reconnects by itself (requests made while it is
 * down wait for the socket), and requests that were on a dropped socket fail and are retried.
 *
 * One operation in eight is a batch of five (sendBatch / sendBatchWs), the others single sends.
 * On SIGTERM the child starts no new operation, finishes (retrying) those in flight, prints one
 * JSON line of counters on stdout and exits 0. So after a graceful stop every sequence number it
 * used has been acknowledged.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { SpoolClient, SpoolClientError, SpoolConnectionError, SpoolTimeoutError } from '../../core/index.js';

const BATCH_EVERY = 8;
const BATCH_SIZE = 5;
/**
 * Pause before retry n of one operation: jittered, doubling from RETRY_FIRST_MS up to RETRY_MAX_MS.
 * While the broker restarts, 32 HTTP workers retrying in a tight loop would take CPU from it.
 */
const RETRY_FIRST_MS = 20;
const RETRY_MAX_MS = 250;

const [url, queue, logPath, mode, firstSeqArg, inFlightArg] = process.argv.slice(2);
if (!url || !queue || !logPath || (mode !== 'http' && mode !== 'ws') || !firstSeqArg || !inFlightArg) {
  process.stderr.write('usage: broker-producer-child.ts <url> <queue> <ack log> <http|ws> <first seq> <in flight>\n');
  process.exit(2);
}

const client = new SpoolClient({ url, requestTimeoutMs: 10_000, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
// Background trouble (a reconnect that failed) is expected here; send failures are handled below.
client.events.on('error', () => {});
const log = openSync(logPath, 'a');

const counters = {
  mode,
  /** Messages acknowledged (each sequence number once). */
  acked: 0,
  /** Send operations (single or batch) that failed with a connection error or timeout and were retried. */
  retries: 0,
  /** Of those, failures on a connection the broker dropped or refused. */
  connectionErrors: 0,
  timeouts: 0,
  /** Error replies with a 5xx status (or an unknown code): the broker answered, but not with a msgId. */
  serverErrors: 0,
  lastServerError: '',
};
let nextSeq = Number(firstSeqArg);
let stopping = false;

function body(seq: number): string {
  return `seq:${seq}:`.padEnd(100, 'x');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends the messages of `seqs` (one, or a batch) and resolves with their msgIds. */
function sendOnce(seqs: number[]): Promise<string[]> {
  if (seqs.length === 1) {
    const message = { body: body(seqs[0]!) };
    return (mode === 'http' ? client.send(queue!, message) : client.sendWs(queue!, message)).then((id) => [id]);
  }
  const messages = seqs.map((seq) => ({ body: body(seq) }));
  return mode === 'http' ? client.sendBatch(queue!, messages) : client.sendBatchWs(queue!, messages);
}

/** Retries until acknowledged: failures caused by the broker going away are expected. */
async function sendUntilAcked(seqs: number[]): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await sendOnce(seqs);
    } catch (err) {
      if (err instanceof SpoolConnectionError) counters.connectionErrors++;
      else if (err instanceof SpoolTimeoutError) counters.timeouts++;
      else if (err instanceof SpoolClientError && (err.status >= 500 || err.code === 'INTERNAL')) {
        // Not expected from a broker that is either up or dead; counted, and the test reports it.
        counters.serverErrors++;
        counters.lastServerError = `${err.serverCode} ${err.status}: ${err.message}`;
      } else throw err;
      counters.retries++;
      await sleep(Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** attempt) * (0.5 + Math.random() / 2));
    }
  }
}

async function worker(index: number): Promise<void> {
  for (let op = index; !stopping; op++) {
    const size = op % BATCH_EVERY === 0 ? BATCH_SIZE : 1;
    const seqs = Array.from({ length: size }, () => nextSeq++);
    const ids = await sendUntilAcked(seqs);
    if (ids.length !== seqs.length) throw new Error(`sent ${seqs.length} messages, got ${ids.length} msgIds`);
    writeSync(log, ids.map((id, i) => `${id} ${seqs[i]}\n`).join(''));
    counters.acked += ids.length;
  }
}

process.on('SIGTERM', () => {
  stopping = true;
});

async function main(): Promise<void> {
  const workers = Array.from({ length: Number(inFlightArg) }, (_, i) => worker(i));
  await Promise.all(workers);
  await client.close();
  closeSync(log);
  process.stdout.write(`${JSON.stringify(counters)}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`producer (${mode}) failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
