/** What bench/server.ts and its producer/consumer processes (bench/server-client.ts) say over IPC. */

export type BenchRequest =
  /** Opens a client of the broker at `url` (closing any previous one) and warms it up. */
  | { op: 'connect'; url: string }
  /** Awaited sends one after another for `seconds`. */
  | { op: 'sequential'; queue: string; transport: 'http' | 'ws'; seconds: number }
  /** sendWs with `window` requests in flight for `seconds`; round-robin over `queues` when given. */
  | { op: 'pipelined'; queue: string; seconds: number; window: number; queues?: string[] }
  /** Puts `count` messages on `queues` (round-robin) with sendBatchWs, LIMITS.batchMax a batch, `window` batches in flight. */
  | { op: 'fill'; queues: string[]; count: number; window: number }
  /** sendWs at a steady `rate` per second for `seconds`, bodies stamped with their send time. */
  | { op: 'paced'; queue: string; rate: number; seconds: number }
  /**
   * Subscribes and acks every message; with `latency`, records delivery time − stamp. With
   * `queues` and `subscribers`: that many subscriptions on each of `queues` (one WebSocket), each
   * with prefetch `prefetch`.
   */
  | { op: 'subscribe'; queue: string; prefetch: number; latency: boolean; queues?: string[]; subscribers?: number }
  /** Unsubscribes now and reports what was acked since subscribe. */
  | { op: 'stop' }
  /** Waits until the subscription has acked `count` messages, then unsubscribes and reports. */
  | { op: 'collect'; count: number; timeoutMs: number }
  | { op: 'close' };

export interface SequentialResult {
  count: number;
  elapsedMs: number;
  /** Per-send latency (call to resolved). */
  p50Ms: number;
  p99Ms: number;
  /** CPU time of the process during the run (user + system). */
  cpuMs: number;
}

export interface PipelinedResult {
  count: number;
  /** Wall clock (performance.timeOrigin + performance.now()) of the first send. */
  startedAt: number;
  elapsedMs: number;
  cpuMs: number;
}

export interface PacedResult {
  sent: number;
  elapsedMs: number;
}

export interface CollectResult {
  acked: number;
  /** Wall clock of the last ack's reply. */
  lastAckAt: number;
  /** Delivery time − send stamp, ms (NaN unless subscribed with `latency`). */
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  /** CPU time of the process from subscribe to the last ack. */
  cpuMs: number;
}

export interface FillResult {
  count: number;
  elapsedMs: number;
}

export interface StopResult {
  acked: number;
  /** From subscribe to the last ack reply, ms. */
  elapsedMs: number;
  cpuMs: number;
}
