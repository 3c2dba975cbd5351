/**
 * Multi-node test (issue 6): three `spool serve --store postgres://...` broker processes (the CLI
 * bundled by test/helpers/cli.ts) on one database of the postgres project's cluster. Three producer
 * processes (test/crash/broker-producer-child.ts), one per broker, over HTTP and over the
 * WebSocket, log every acknowledged msgId; three consumer processes (consumer-child.ts), one per
 * broker, two subscribed over the WebSocket and one receiving over HTTP, log every delivery with
 * its receipt handle and the outcome of its ack. Mid-load, broker 2 (with a producer and a
 * subscriber on it) is killed with SIGKILL and restarted on the same port.
 *
 * Asserted: every acknowledged message is delivered, and the queue ends empty (everything
 * delivered was acked); no lease was held by two consumers at once (per msgId: at most one ack
 * succeeded, and a delivery whose ack succeeded was the last, its ack done before any later
 * delivery); the leases the dead broker's subscriber held came back (delivered again after their
 * expiry), except those whose ack was on its way when it died (committed, reply lost); no send got
 * a 5xx.
 * Reported: one line with the counts, duplicates among them.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, inject } from 'vitest';
import { SpoolClient } from '../../core/index.js';
import { fileSize, freePort, killChildren, readAckLog, readLines, sleep, spawnScript, startBroker, until, type Child } from '../helpers/children.js';
import { tempDir } from '../helpers/engine.js';
import { adminQuery } from '../helpers/postgres.js';

const PRODUCER = fileURLToPath(new URL('../crash/broker-producer-child.ts', import.meta.url));
const CONSUMER = fileURLToPath(new URL('./consumer-child.ts', import.meta.url));

const QUEUE = 'multi';
/** Short, so that the dead broker's leases come back within the test. */
const LEASE_SECONDS = 3;
const KILLED = 2;
/** After every producer and consumer made progress, the broker is killed within this many ms. */
const MAX_KILL_DELAY_MS = 500;
const DOWN_MS = 300;
/** Generous bound of each wait (a start, progress, a stop, the drain): a loaded 2-core machine starts node slowly. */
const TIMEOUT_MS = 30_000;

/** Sequence numbers of the producers are in disjoint ranges. */
const PRODUCERS = [
  { broker: 0, mode: 'http', firstSeq: 0, inFlight: 16 },
  { broker: 1, mode: 'ws', firstSeq: 1_000_000_000, inFlight: 64 },
  { broker: 2, mode: 'ws', firstSeq: 2_000_000_000, inFlight: 64 },
] as const;
const CONSUMERS = [
  { broker: 0, mode: 'ws' },
  { broker: 1, mode: 'http' },
  { broker: 2, mode: 'ws' },
] as const;

interface Delivery {
  msgId: string;
  handle: string;
  at: number;
  consumer: number;
  /** The ack's outcome, 'ok' or an error code; undefined if none was logged. */
  ack?: { at: number; code: string };
}

afterEach(killChildren);

async function stopGracefully(child: Child, what: string): Promise<void> {
  child.proc.kill('SIGTERM');
  const stopped = await Promise.race([child.exited, sleep(TIMEOUT_MS).then(() => null)]);
  if (stopped === null) throw new Error(`${what} did not stop within ${TIMEOUT_MS} ms`);
  expect(stopped.code, `${what} exit code; stderr:\n${child.stderr()}`).toBe(0);
}

/** Deliveries in log order, each with its ack outcome. */
function readConsumerLog(path: string, consumer: number): Delivery[] {
  const deliveries: Delivery[] = [];
  const byHandle = new Map<string, Delivery>();
  for (const line of readLines(path)) {
    const [kind, a, b, c] = line.split(' ');
    if (kind === 'd' && a && b && c) {
      if (byHandle.has(b)) throw new Error(`receipt handle ${b} delivered twice`);
      const d: Delivery = { msgId: a, handle: b, at: Number(c), consumer };
      deliveries.push(d);
      byHandle.set(b, d);
    } else if (kind === 'a' && a && b && c) {
      const d = byHandle.get(a);
      if (!d) throw new Error(`ack of a receipt handle never delivered: ${line}`);
      d.ack = { at: Number(b), code: c };
    } else throw new Error(`malformed consumer log line ${JSON.stringify(line)} in ${path}`);
  }
  return deliveries;
}

describe('three brokers on one PostgreSQL database', () => {
  it('deliver every acknowledged message, never lease one to two consumers at once, and give back a killed broker’s leases', async () => {
    const { adminUrl } = inject('postgres');
    const db = `spool_multi_${process.pid}`;
    await adminQuery(adminUrl, `CREATE DATABASE ${db}`);
    const store = ['--store', adminUrl.replace(/\/postgres$/, `/${db}`)];
    const dir = tempDir('spool-multi-node-');
    const started = performance.now();

    const ports = await Promise.all([0, 1, 2].map(() => freePort()));
    const urls = ports.map((port) => `http://127.0.0.1:${port}`);
    const brokers = await Promise.all(ports.map((port) => startBroker(port, store, TIMEOUT_MS)));
    const admin = new SpoolClient({ url: urls[0]!, requestTimeoutMs: 30_000 });
    try {
      await admin.createQueue(QUEUE, { visibilityTimeout: LEASE_SECONDS });

      const consumerLogs = CONSUMERS.map((_, i) => join(dir, `consumer-${i}.log`));
      const consumers = CONSUMERS.map((spec, i) => spawnScript(CONSUMER, [urls[spec.broker]!, QUEUE, consumerLogs[i]!, spec.mode, String(LEASE_SECONDS)]));
      const producerLogs = PRODUCERS.map((_, i) => join(dir, `producer-${i}.log`));
      const producers = PRODUCERS.map((spec, i) => spawnScript(PRODUCER, [urls[spec.broker]!, QUEUE, producerLogs[i]!, spec.mode, String(spec.firstSeq), String(spec.inFlight)]));
      const all = [...producers, ...consumers];
      const logs = [...producerLogs, ...consumerLogs];
      let died: string | null = null;
      all.forEach((child, i) =>
        child.exited.then(({ code, signal }) => {
          died ??= `${i < producers.length ? 'producer' : 'consumer'} ${i % 3} exited (code ${code}, signal ${signal}); stderr:\n${child.stderr()}`;
        }),
      );
      /** Resolves once every producer's and consumer's log has grown: each is served by its (current) broker. */
      const progress = async () => {
        const marks = logs.map(fileSize);
        await until(
          () => died !== null || logs.every((log, i) => fileSize(log) > marks[i]!),
          TIMEOUT_MS,
          () => `no progress (log sizes ${logs.map(fileSize).join(', ')}, were ${marks.join(', ')})`,
        );
        if (died !== null) throw new Error(died);
      };

      await progress();
      await sleep(Math.random() * MAX_KILL_DELAY_MS);
      brokers[KILLED]!.proc.kill('SIGKILL');
      const { signal } = await brokers[KILLED]!.exited;
      const killedAt = performance.timeOrigin + performance.now();
      if (signal !== 'SIGKILL') throw new Error(`broker ${KILLED} exited by itself (signal ${signal}); stderr:\n${brokers[KILLED]!.stderr()}`);
      await sleep(DOWN_MS);
      brokers[KILLED] = await startBroker(ports[KILLED]!, store, TIMEOUT_MS);
      // Everyone works through the restarted broker too before the producers stop.
      await progress();
      const loadSeconds = (performance.now() - started) / 1000;

      for (const p of producers) p.proc.kill('SIGTERM');
      const counters: { acked: number; retries: number; serverErrors: number; lastServerError: string }[] = [];
      for (const [i, p] of producers.entries()) {
        await stopGracefully(p, `producer ${i}`);
        counters.push(JSON.parse(p.stdout().trim()) as (typeof counters)[number]);
      }
      const acked = new Map<number, string>();
      for (const log of producerLogs) readAckLog(log, acked);

      // The consumers empty the queue, the dead broker's leases once they expire.
      const drainStarted = performance.now();
      for (;;) {
        const stats = await admin.queueStats(QUEUE);
        if (stats.activeMsgNum === 0 && stats.inactiveMsgNum === 0 && stats.delayMsgNum === 0) break;
        if (performance.now() - drainStarted > TIMEOUT_MS) throw new Error(`queue not empty after ${TIMEOUT_MS} ms: ${JSON.stringify(stats)}`);
        await sleep(100);
      }
      const drainSeconds = (performance.now() - drainStarted) / 1000;
      for (const [i, c] of consumers.entries()) await stopGracefully(c, `consumer ${i}`);

      const deliveries = consumerLogs.flatMap((log, i) => readConsumerLog(log, i));
      const byMsg = new Map<string, Delivery[]>();
      for (const d of deliveries) {
        const list = byMsg.get(d.msgId);
        if (list) list.push(d);
        else byMsg.set(d.msgId, [d]);
      }
      const consumed = new Set(deliveries.filter((d) => d.ack?.code === 'ok').map((d) => d.msgId));
      const notDelivered = [...acked.values()].filter((id) => !byMsg.has(id));
      // Two leases current at once: a delivery acked successfully that was not the last one, or was
      // acked after a later delivery began (its lease was then still current).
      const doubleLeases: string[] = [];
      let redelivered = 0;
      for (const [msgId, list] of byMsg) {
        list.sort((a, b) => a.at - b.at);
        if (list.length > 1) redelivered++;
        const oks = list.filter((d) => d.ack?.code === 'ok');
        const overlap = list.slice(0, -1).some((d, i) => d.ack?.code === 'ok' && d.ack.at > list[i + 1]!.at);
        if (oks.length > 1 || overlap || (oks.length === 1 && oks[0] !== list.at(-1))) doubleLeases.push(msgId);
      }
      // Leases of the killed broker's subscriber that were not acked must come back after their expiry.
      // An ack that was on its way when the broker died (CLOSED: the reply was lost) may have been
      // committed: then the message is gone, as the queue, empty at the end, shows.
      const stranded = deliveries.filter((d) => CONSUMERS[d.consumer]!.broker === KILLED && d.at < killedAt && d.ack?.code !== 'ok');
      const returnMs: number[] = [];
      let ackedAsItDied = 0;
      for (const d of stranded) {
        const next = byMsg.get(d.msgId)!.find((x) => x.at > d.at);
        if (next) returnMs.push(next.at - killedAt);
        else if (d.ack?.code === 'CLOSED') ackedAsItDied++;
        else returnMs.push(Infinity);
      }
      const ackErrors = new Map<string, number>();
      for (const d of deliveries) if (d.ack?.code !== 'ok') ackErrors.set(d.ack?.code ?? 'none', (ackErrors.get(d.ack?.code ?? 'none') ?? 0) + 1);
      const unacknowledgedSends = [...byMsg.keys()].filter((id) => !new Set(acked.values()).has(id)).length;

      console.log(
        `multi-node test: 3 brokers, broker ${KILLED} SIGKILLed and restarted, load ${loadSeconds.toFixed(1)} s, drain ${drainSeconds.toFixed(1)} s; ` +
          `acked ${acked.size} (${counters.map((c) => c.acked).join('/')}), delivered ${deliveries.length} (${byMsg.size} distinct msgIds), acked by a consumer ${consumed.size}, ` +
          `never delivered ${notDelivered.length}, duplicates ${deliveries.length - byMsg.size} (${redelivered} msgIds delivered more than once), ` +
          `stored by a retried send ${unacknowledgedSends}, double leases ${doubleLeases.length}; ` +
          `dead broker's unacked leases ${stranded.length} (${ackedAsItDied} acked as it died), back after ${returnMs.length ? `${Math.round(Math.min(...returnMs))}-${Math.round(Math.max(...returnMs))}` : '-'} ms (lease ${LEASE_SECONDS} s); ` +
          `failed acks ${JSON.stringify(Object.fromEntries(ackErrors))}; send retries ${counters.map((c) => c.retries).join('/')}`,
      );

      expect(notDelivered.slice(0, 10), `${notDelivered.length} acknowledged messages never delivered`).toEqual([]);
      expect(doubleLeases.slice(0, 10), `${doubleLeases.length} messages leased to two consumers at once`).toEqual([]);
      expect(returnMs.filter((ms) => ms === Infinity), 'leases of the killed broker that never came back').toEqual([]);
      expect(counters.map((c) => c.lastServerError).filter(Boolean), 'sends answered with a 5xx').toEqual([]);
      expect(counters.every((c) => c.acked > 0)).toBe(true);
    } finally {
      await admin.close();
      // Graceful broker shutdown is tested elsewhere (test/crash); here only the database must be freed.
      for (const b of brokers) b.proc.kill('SIGKILL');
      await Promise.all(brokers.map((b) => b.exited));
      await adminQuery(adminUrl, `DROP DATABASE ${db} WITH (FORCE)`);
    }
  }, 120_000);
});
