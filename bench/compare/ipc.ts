/** What bench/compare.ts says to its producer and worker processes (bench/compare/agent.ts) over IPC. */

/** The systems compared; spool and spool-process are one system in two durability modes. */
export type SystemName = 'spool' | 'spool-process' | 'bullmq' | 'bee-queue';

/** Where the system's server is: a Spool broker's URL, or a Redis port on 127.0.0.1. */
export type Target = { kind: 'spool'; url: string } | { kind: 'redis'; port: number };

export type AgentRequest =
  /** Connects as a producer (warming up first on another queue) or as a worker (started by `work`). */
  | { op: 'open'; system: SystemName; role: 'producer' | 'worker'; target: Target; queue: string }
  /** Adds `count` jobs one by one, each awaited. */
  | { op: 'sequential'; count: number }
  /** Adds `count` jobs with the system's bulk call. */
  | { op: 'bulk'; count: number }
  /** Adds `count` jobs for a drain (bulk, in chunks), untimed. */
  | { op: 'prefill'; count: number }
  /** Adds `rate` jobs a second on an absolute schedule for `seconds`, not awaiting each before the next. */
  | { op: 'paced'; rate: number; seconds: number }
  /** Starts the worker at `concurrency`; resolves once it is ready to take jobs. */
  | { op: 'work'; concurrency: number }
  /** Waits until the worker has completed `count` jobs, then reports. */
  | { op: 'collect'; count: number; timeoutMs: number }
  | { op: 'close' };

export interface ProduceResult {
  count: number;
  elapsedMs: number;
  /** CPU time of the producer process during the call (user + system). */
  cpuMs: number;
}

export interface CollectResult {
  completed: number;
  /** Wall clock (performance.timeOrigin + performance.now()) of the first handler start. */
  firstStartAt: number;
  /** Wall clock of the `count`-th completion (the job's outcome recorded by the server). */
  lastCompletedAt: number;
  /** Handler start − the time the producer called add, ms. */
  latency: { p50: number; p99: number; max: number };
  /** CPU time of the worker process from `work` to the last completion. */
  cpuMs: number;
}
