/**
 * Crash test across processes: the broker (`spool serve`, the CLI bundled by test/helpers/cli.ts)
 * runs in its own process on a fixed port and data dir; two producer processes
 * (broker-producer-child.ts) send to it, one over HTTP (send/sendBatch, 32 in flight) and one over
 * the WebSocket (sendWs/sendBatchWs, 200 in flight), logging every acknowledged msgId with its
 * sequence number. The broker is killed with SIGKILL at a random moment while both producers are
 * getting acknowledgements (now and then right after it starts listening, while the requests that
 * waited for it pour in), and restarted on the same data dir, ten times. The producers retry what
 * failed (a retry of a send that was in fact stored is a duplicate: allowed, counted). Then they
 * stop gracefully, and this process drains the queue from the last broker, over the WebSocket
 * (subscribe + ack) and over HTTP (receive + delete) at once.
 *
 * Asserted: every acknowledged message is stored, under the msgId it was acknowledged with; nothing
 * is stored that no producer sent; the broker answered no send with a 5xx; the drain empties the
 * queue; the last broker shuts down cleanly on SIGTERM. Reported: one line with the counts.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SpoolClient, type Message } from '../../core/index.js';
import { fileSize, freePort, killChildren, readAckLog, sleep, spawnScript, startBroker, until, type Child } from '../helpers/children.js';
import { tempDir } from '../helpers/engine.js';

const PRODUCER = fileURLToPath(new URL('./broker-producer-child.ts', import.meta.url));

const QUEUE = 'crash';
const RESTARTS = 10;
/** After both producers have had acknowledgements from the current broker, it is killed within this many ms. */
const MAX_KILL_DELAY_MS = 500;
/**
 * This share of the kills comes right after the broker says it listens, before waiting for
 * acknowledgements: while it recovers and takes the backlog of requests that waited for it.
 */
const EARLY_KILL_SHARE = 0.2;
/** Sometimes the broker is restarted at once, sometimes after up to this long down. */
const MAX_DOWN_MS = 200;
/** Generous bounds: a loaded 2-core machine starts node slowly. */
const BROKER_START_TIMEOUT_MS = 30_000;
const PRODUCER_START_TIMEOUT_MS = 30_000;
const PROGRESS_TIMEOUT_MS = 30_000;
const PRODUCER_STOP_TIMEOUT_MS = 30_000;
const DRAIN_TIMEOUT_MS = 60_000;

interface ProducerSpec {
  mode: 'http' | 'ws';
  firstSeq: number;
  inFlight: number;
}

/** Sequence numbers of the two producers are in disjoint ranges. */
const PRODUCERS: ProducerSpec[] = [
  { mode: 'http', firstSeq: 0, inFlight: 32 },
  { mode: 'ws', firstSeq: 1_000_000_000, inFlight: 200 },
];

interface ProducerCounters {
  mode: string;
  acked: number;
  retries: number;
  connectionErrors: number;
  timeouts: number;
  serverErrors: number;
  lastServerError: string;
}

// Whatever a failed test left running.
afterEach(killChildren);

async function startCrashBroker(dataDir: string, port: number): Promise<Child> {
  return startBroker(port, ['--data', dataDir], BROKER_START_TIMEOUT_MS);
}

function startProducer(url: string, logPath: string, spec: ProducerSpec): Child {
  return spawnScript(PRODUCER, [url, QUEUE, logPath, spec.mode, String(spec.firstSeq), String(spec.inFlight)]);
}

/**
 * Takes every message off the queue: a WebSocket subscriber acking each and an HTTP loop receiving
 * and deleting, at once, with leases long enough that nothing is delivered twice.
 */
async function drain(url: string, expected: number): Promise<Map<string, string>> {
  const client = new SpoolClient({ url, requestTimeoutMs: 30_000 });
  const got = new Map<string, string>();
  const redelivered: string[] = [];
  const take = (m: Message) => {
    if (got.has(m.msgId)) redelivered.push(m.msgId);
    got.set(m.msgId, m.body);
  };
  let done = false;
  try {
    const subscription = await client.subscribe(QUEUE, { prefetch: 1000, visibilityTimeout: 600 }, async (delivery) => {
      take(delivery);
      await delivery.ack();
    });
    const httpLoop = (async () => {
      while (!done) {
        const messages = await client.receive(QUEUE, { max: 16, waitSeconds: 1, visibilityTimeout: 600 });
        if (messages.length === 0) continue;
        messages.forEach(take);
        const { failed } = await client.deleteMessages(
          QUEUE,
          messages.map((m) => m.receiptHandle),
        );
        if (failed.length > 0) throw new Error(`delete failed: ${JSON.stringify(failed[0])}`);
      }
    })();
    try {
      await until(() => got.size >= expected, DRAIN_TIMEOUT_MS, () => `drain got ${got.size} of ${expected} messages`);
      // The last acks are on their way: the queue empties once they are committed.
      await subscription.drain();
      const deadline = performance.now() + 10_000;
      for (;;) {
        const stats = await client.queueStats(QUEUE);
        if (stats.activeMsgNum === 0 && stats.inactiveMsgNum === 0) break;
        if (performance.now() > deadline) throw new Error(`queue not empty after the drain: ${JSON.stringify(stats)}`);
        await sleep(50);
      }
    } finally {
      done = true;
      await httpLoop;
    }
  } finally {
    await client.close();
  }
  expect(redelivered.slice(0, 10), `${redelivered.length} messages delivered twice during the drain`).toEqual([]);
  return got;
}

describe('broker crash safety', () => {
  it(`keeps every acknowledged send across ${RESTARTS} SIGKILLs of the broker process under HTTP and WebSocket load`, async () => {
    const dir = tempDir('spool-broker-crash-');
    const dataDir = join(dir, 'data');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const started = performance.now();

    let broker = await startCrashBroker(dataDir, port);
    const admin = new SpoolClient({ url });
    await admin.createQueue(QUEUE);
    await admin.close();

    const logs = PRODUCERS.map((spec) => join(dir, `acks-${spec.mode}.log`));
    const producers = PRODUCERS.map((spec, i) => startProducer(url, logs[i]!, spec));
    let producerDied: string | null = null;
    producers.forEach((p, i) =>
      p.exited.then(({ code, signal }) => {
        producerDied ??= `${PRODUCERS[i]!.mode} producer exited (code ${code}, signal ${signal}); stderr:\n${p.stderr()}`;
      }),
    );
    /** Resolves once every producer's ack log has grown past `marks`, i.e. each has acknowledgements from the current broker. */
    const progress = async (timeoutMs: number) => {
      const marks = logs.map(fileSize);
      await until(
        () => producerDied !== null || logs.every((log, i) => fileSize(log) > marks[i]!),
        timeoutMs,
        () => `producers made no progress (ack log sizes ${logs.map(fileSize).join(', ')}, were ${marks.join(', ')})`,
      );
      if (producerDied !== null) throw new Error(producerDied);
    };

    await progress(PRODUCER_START_TIMEOUT_MS);
    const downMs: number[] = [];
    let earlyKills = 0;
    for (let i = 0; i < RESTARTS; i++) {
      if (i > 0 && Math.random() < EARLY_KILL_SHARE) {
        earlyKills++;
        await sleep(Math.random() * 50);
      } else {
        await progress(PROGRESS_TIMEOUT_MS);
        await sleep(Math.random() * MAX_KILL_DELAY_MS);
      }
      broker.proc.kill('SIGKILL');
      const { signal } = await broker.exited;
      // Anything but our SIGKILL means the broker stopped on its own: a failure, not a crash we caused.
      if (signal !== 'SIGKILL') throw new Error(`broker exited by itself (signal ${signal}); stderr:\n${broker.stderr()}`);
      const killedAt = performance.now();
      await sleep(Math.random() * MAX_DOWN_MS);
      broker = await startCrashBroker(dataDir, port);
      downMs.push(performance.now() - killedAt);
    }
    // The producers work against the last broker too, then stop: each finishes what it has in flight.
    await progress(PROGRESS_TIMEOUT_MS);
    const loadSeconds = (performance.now() - started) / 1000;
    for (const p of producers) p.proc.kill('SIGTERM');
    const counters: ProducerCounters[] = [];
    for (const [i, p] of producers.entries()) {
      const stopped = await Promise.race([p.exited, sleep(PRODUCER_STOP_TIMEOUT_MS).then(() => null)]);
      if (stopped === null) throw new Error(`${PRODUCERS[i]!.mode} producer did not stop within ${PRODUCER_STOP_TIMEOUT_MS} ms`);
      expect(stopped.code, `${PRODUCERS[i]!.mode} producer exit code; stderr:\n${p.stderr()}`).toBe(0);
      counters.push(JSON.parse(p.stdout().trim()) as ProducerCounters);
    }

    const acked = new Map<number, string>();
    const ackedBy = logs.map((log) => readAckLog(log, acked));

    // Drain from the last broker.
    const admin2 = new SpoolClient({ url });
    const before = await admin2.queueStats(QUEUE);
    await admin2.close();
    expect(before.inactiveMsgNum).toBe(0);
    expect(before.delayMsgNum).toBe(0);
    const drainStarted = performance.now();
    const stored = await drain(url, before.activeMsgNum);
    const drainSeconds = (performance.now() - drainStarted) / 1000;

    const copiesOfSeq = new Map<number, string[]>();
    for (const [msgId, body] of stored) {
      const match = /^seq:(\d+):x*$/.exec(body);
      if (!match) throw new Error(`unexpected body of ${msgId}: ${JSON.stringify(body)}`);
      const seq = Number(match[1]);
      const ids = copiesOfSeq.get(seq);
      if (ids) ids.push(msgId);
      else copiesOfSeq.set(seq, [msgId]);
    }
    const missing: number[] = [];
    const wrongId: number[] = [];
    for (const [seq, msgId] of acked) {
      const ids = copiesOfSeq.get(seq);
      if (!ids) missing.push(seq);
      else if (!ids.includes(msgId)) wrongId.push(seq);
    }
    const neverSent = [...copiesOfSeq.keys()].filter((seq) => !acked.has(seq));
    // Extra copies per producer (sequence ranges are disjoint: the ws producer's start at PRODUCERS[1].firstSeq).
    const duplicatesBy = [0, 0];
    for (const [seq, ids] of copiesOfSeq) duplicatesBy[seq >= PRODUCERS[1]!.firstSeq ? 1 : 0]! += ids.length - 1;
    const duplicates = stored.size - copiesOfSeq.size;

    const [http, ws] = counters;
    console.log(
      `broker crash test: ${RESTARTS} SIGKILL+restarts (${earlyKills} right after start) in ${loadSeconds.toFixed(1)} s (down ${downMs.map((ms) => Math.round(ms)).join('/')} ms); ` +
        `acked ${acked.size} (http ${ackedBy[0]}, ws ${ackedBy[1]}), stored ${stored.size}, duplicates ${duplicates} (http ${duplicatesBy[0]}, ws ${duplicatesBy[1]}), ` +
        `lost ${missing.length}, wrong msgId ${wrongId.length}, never sent ${neverSent.length}; ` +
        `failed attempts retried http ${http!.retries} ws ${ws!.retries}, 5xx ${http!.serverErrors + ws!.serverErrors}; drained in ${drainSeconds.toFixed(1)} s`,
    );

    expect(missing.slice(0, 10), `${missing.length} acknowledged messages lost`).toEqual([]);
    expect(wrongId.slice(0, 10), `${wrongId.length} messages stored under another msgId than acknowledged`).toEqual([]);
    // Every sequence number a producer used was retried until acknowledged, so none is stored unacknowledged.
    expect(neverSent.slice(0, 10), `${neverSent.length} stored messages never acknowledged`).toEqual([]);
    expect(counters.map((c) => c.lastServerError).filter(Boolean), 'sends answered with a 5xx').toEqual([]);
    expect(ackedBy.every((n) => n > 0)).toBe(true);

    broker.proc.kill('SIGTERM');
    const stopped = await Promise.race([broker.exited, sleep(20_000).then(() => null)]);
    expect(stopped, 'the last broker did not shut down on SIGTERM').not.toBeNull();
    expect(stopped!.code, `broker exit code; stderr:\n${broker.stderr()}`).toBe(0);
  }, 180_000);
});
