/**
 * Prometheus metrics of one broker, in a registry of its own (several brokers may share a
 * process in tests and embeddings). Queue gauges are read from the engine on each scrape; message
 * counters follow `engine.events`; commit latency comes from the SQLite store's onCommit; the
 * WebSocket connection count is asked of the ws layer when scraped.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Engine } from '../engine/engine.js';
import type { QueueRecord } from '../store/store.js';

export interface CommitObservation {
  ms: number;
  ops: number;
  synced: boolean;
}

export interface QueueTotals {
  sent: number;
  received: number;
  deleted: number;
}

export class Metrics {
  readonly registry = new Registry();
  private readonly depth = this.gauge('spool_queue_depth', 'Messages ready to be received, per queue');
  private readonly inFlight = this.gauge('spool_queue_in_flight', 'Messages leased and not yet deleted, per queue');
  private readonly delayed = this.gauge('spool_queue_delayed', 'Messages delayed and not yet visible, per queue');
  private readonly oldestAge = this.gauge('spool_queue_oldest_message_age_seconds', 'Age of the oldest message not yet deleted, per queue');
  private readonly deadLetters = this.gauge('spool_dead_letter_queue_depth', 'Messages held in a dead-letter queue (ready, leased or delayed)');
  private readonly queueGauges = [this.depth, this.inFlight, this.delayed, this.oldestAge, this.deadLetters];
  private readonly queueCount = new Gauge({ name: 'spool_queues', help: 'Queues that exist', registers: [this.registry] });
  private readonly storeUp = new Gauge({ name: 'spool_store_up', help: '1 if this scrape could read the store, 0 if not (the queue gauges are then absent)', registers: [this.registry] });
  // Counted per engine event in a plain map (a hot path: several events per message) and handed
  // to the Prometheus counters when they are scraped.
  private readonly queueTotals = new Map<string, QueueTotals>();
  private readonly totalCounters: { counter: Counter<'queue'>; reported: Map<string, number> }[] = [];
  private readonly requests = new Counter({
    name: 'spool_http_requests_total',
    help: 'HTTP requests answered, by route template and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly commitSeconds = new Histogram({
    name: 'spool_store_commit_duration_seconds',
    help: 'Duration of store commits (group commits; fsync included when synced)',
    labelNames: ['synced'] as const,
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  private readonly commitOps = new Counter({ name: 'spool_store_commit_operations_total', help: 'Operations committed by the store', registers: [this.registry] });
  private connectionCount: () => number = () => 0;

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.totalCounter('spool_messages_sent_total', 'Messages sent (stored), per queue', 'sent');
    this.totalCounter('spool_messages_received_total', 'Message deliveries (leases), per queue', 'received');
    this.totalCounter('spool_messages_deleted_total', 'Messages deleted (acked or completed), per queue', 'deleted');
    const connections = () => this.connectionCount();
    new Gauge({
      name: 'spool_ws_connections',
      help: 'Open WebSocket connections',
      registers: [this.registry],
      collect() {
        this.set(connections());
      },
    });
  }

  /** Counts the engine's sends, receives and deletes; returns a function that stops counting. */
  follow(engine: Engine): () => void {
    const onSent = ({ queue, count }: { queue: string; count: number }) => this.count(queue, 'sent', count);
    const onReceived = ({ queue, count }: { queue: string; count: number }) => this.count(queue, 'received', count);
    const onDeleted = ({ queue, count }: { queue: string; count: number }) => this.count(queue, 'deleted', count);
    engine.events.on('sent', onSent);
    engine.events.on('received', onReceived);
    engine.events.on('deleted', onDeleted);
    return () => {
      engine.events.off('sent', onSent);
      engine.events.off('received', onReceived);
      engine.events.off('deleted', onDeleted);
    };
  }

  /** For the store's onCommit option. */
  observeCommit = (info: CommitObservation): void => {
    this.commitSeconds.observe({ synced: String(info.synced) }, info.ms / 1000);
    this.commitOps.inc(info.ops);
  };

  observeRequest(method: string, route: string, status: number): void {
    this.requests.inc({ method, route, status: String(status) });
  }

  countConnectionsWith(count: () => number): void {
    this.connectionCount = count;
  }

  /** Open WebSocket connections now. */
  connections(): number {
    return this.connectionCount();
  }

  /** Messages sent, delivered and deleted per queue since this broker started (what the spool_messages_*_total counters report). */
  totals(queue: string): QueueTotals {
    return this.queueTotals.get(queue) ?? { sent: 0, received: 0, deleted: 0 };
  }

  /**
   * Reads every queue's stats from the engine into the gauges; queues deleted since disappear,
   * counters included. Never throws: with the store unreachable, spool_store_up says so and the
   * rest (the process, the HTTP counters that show the failures) is still served.
   */
  async refresh(engine: Engine): Promise<void> {
    const counted = [...this.queueTotals.keys()];
    let queues: QueueRecord[];
    try {
      queues = await engine.allQueues();
    } catch {
      for (const gauge of this.queueGauges) gauge.reset();
      this.queueCount.reset();
      this.storeUp.set(0);
      return;
    }
    this.storeUp.set(1);
    const stats = await Promise.all(queues.map((q) => engine.stats(q.name).catch(() => null)));
    const targets = new Set(queues.flatMap((q) => (q.attributes.deadLetterPolicy ? [q.attributes.deadLetterPolicy.deadLetterQueue] : [])));
    const now = engine.clock.now();
    const names = new Set(queues.map((q) => q.name));
    for (const queue of counted) if (!names.has(queue)) this.forgetTotals(queue);
    for (const gauge of this.queueGauges) gauge.reset();
    this.queueCount.set(queues.length);
    queues.forEach(({ name: queue }, i) => {
      const s = stats[i];
      if (!s) return;
      this.depth.set({ queue }, s.activeMsgNum);
      this.inFlight.set({ queue }, s.inactiveMsgNum);
      this.delayed.set({ queue }, s.delayMsgNum);
      this.oldestAge.set({ queue }, s.minMsgTime === null ? 0 : Math.max(0, (now - s.minMsgTime) / 1000));
      if (targets.has(queue)) this.deadLetters.set({ queue }, s.activeMsgNum + s.inactiveMsgNum + s.delayMsgNum);
    });
  }

  private gauge(name: string, help: string): Gauge<'queue'> {
    return new Gauge({ name, help, labelNames: ['queue'] as const, registers: [this.registry] });
  }

  private count(queue: string, field: keyof QueueTotals, n: number): void {
    let totals = this.queueTotals.get(queue);
    if (!totals) this.queueTotals.set(queue, (totals = { sent: 0, received: 0, deleted: 0 }));
    totals[field] += n;
  }

  /** A deleted queue's series would otherwise stay in every scrape (one per `spool run`'s reply queue). */
  private forgetTotals(queue: string): void {
    this.queueTotals.delete(queue);
    for (const { counter, reported } of this.totalCounters) {
      counter.remove({ queue });
      reported.delete(queue);
    }
  }

  /** A per-queue counter that, when scraped, takes what `field` has gained since the last scrape. */
  private totalCounter(name: string, help: string, field: keyof QueueTotals): void {
    const queueTotals = this.queueTotals;
    const reported = new Map<string, number>();
    const counter = new Counter({
      name,
      help,
      labelNames: ['queue'] as const,
      registers: [this.registry],
      collect() {
        for (const [queue, totals] of queueTotals) {
          const gained = totals[field] - (reported.get(queue) ?? 0);
          if (gained > 0) this.inc({ queue }, gained);
          reported.set(queue, totals[field]);
        }
      },
    });
    this.totalCounters.push({ counter, reported });
  }
}
