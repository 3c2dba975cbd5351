/**
 * Consumer process for the multi-node test (multi-node.test.ts): takes messages from one broker
 * until told to stop, and logs every delivery and the outcome of its ack, so the test can check
 * that no lease was held by two consumers at once. Run with `node --import tsx`.
 *
 * Arguments: <broker url> <queue> <log path> <ws|http> <lease seconds>
 *
 * - ws: a WebSocket subscription (prefetch 50) acking each message as it arrives.
 * - http: receive (up to 16, long poll 1 s) and deleteMessages, in a loop.
 *
 * Log lines, each one write(2) straight to the kernel, times in ms since the epoch
 * (performance.timeOrigin + performance.now(), comparable across processes):
 *   d <msgId> <receiptHandle> <time>      a delivery, logged before the ack is sent
 *   a <receiptHandle> <time> <outcome>    the ack's outcome: ok, or the error code
 *
 * The broker may be killed under it: the client reconnects by itself (the subscription survives
 * reconnects), failed receives are retried. On SIGTERM it stops taking messages, waits for the acks
 * in flight, prints `stopped` and exits 0.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { SpoolClient, SpoolError, type Message } from '../../core/index.js';

const [url, queue, logPath, mode, leaseArg] = process.argv.slice(2);
if (!url || !queue || !logPath || (mode !== 'ws' && mode !== 'http') || !leaseArg) {
  process.stderr.write('usage: consumer-child.ts <url> <queue> <log> <ws|http> <lease seconds>\n');
  process.exit(2);
}
const visibilityTimeout = Number(leaseArg);

const client = new SpoolClient({ url, requestTimeoutMs: 10_000, reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
// A broker killed under the client is expected; failures of acks are logged below.
client.events.on('error', () => {});
const log = openSync(logPath, 'a');
const now = (): number => performance.timeOrigin + performance.now();
let stopping = false;

function delivered(m: Message): void {
  writeSync(log, `d ${m.msgId} ${m.receiptHandle} ${now().toFixed(3)}\n`);
}

/** `code`: ok, or why the ack failed. */
function outcome(receiptHandle: string, code: string): void {
  writeSync(log, `a ${receiptHandle} ${now().toFixed(3)} ${code}\n`);
}

function codeOf(err: unknown): string {
  return err instanceof SpoolError ? err.code : 'ERROR';
}

async function subscribe(): Promise<void> {
  const subscription = await client.subscribe(queue!, { prefetch: 50, visibilityTimeout }, async (delivery) => {
    delivered(delivery);
    await delivery.ack().then(
      () => outcome(delivery.receiptHandle, 'ok'),
      (err: unknown) => outcome(delivery.receiptHandle, codeOf(err)),
    );
  });
  while (!stopping) await new Promise((resolve) => setTimeout(resolve, 50));
  await subscription.drain();
}

async function poll(): Promise<void> {
  while (!stopping) {
    let messages: Message[];
    try {
      messages = await client.receive(queue!, { max: 16, waitSeconds: 1, visibilityTimeout });
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100)); // the broker is down: try again
      continue;
    }
    if (messages.length === 0) continue;
    messages.forEach(delivered);
    const handles = messages.map((m) => m.receiptHandle);
    try {
      const { failed } = await client.deleteMessages(queue!, handles);
      const refused = new Map(failed.map((f) => [f.receiptHandle, f.code]));
      for (const h of handles) outcome(h, refused.get(h) ?? 'ok');
    } catch (err) {
      for (const h of handles) outcome(h, codeOf(err));
    }
  }
}

process.on('SIGTERM', () => {
  stopping = true;
});

async function main(): Promise<void> {
  const running = mode === 'ws' ? subscribe() : poll();
  process.stdout.write('ready\n');
  await running;
  await client.close();
  closeSync(log);
  process.stdout.write('stopped\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`consumer (${mode}) failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
