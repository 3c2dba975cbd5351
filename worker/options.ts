/**
 * startWorker's options: named defaults → merge → validate (messages name the option) → a resolved
 * type with nothing optional.
 */
import { checkKnownOptions, integerOption, resolveConnection, type BrokerConnection, type SpoolClient } from '../core/client/index.js';
import type { Engine } from '../core/engine/engine.js';
import type { BackoffPolicy } from './backoff.js';

/** Structured log lines; `fields` carry the task's name, id and attempt. Compatible in shape with console. */
export interface WorkerLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** What a handler gets besides its payload. */
export interface TaskContext {
  /** The task id (the message's correlationId; its msgId when it has none). */
  readonly taskId: string;
  /** The task's name (its handler's key). */
  readonly name: string;
  /** 1 on the first run: the delivery's dequeueCount (a lease lost to a crash counts too). */
  readonly attempt: number;
  readonly maxAttempts: number;
  /**
   * Fires on cancel (TaskCancelledError), lease loss (LeaseLostError), the task's timeoutMs
   * (TaskTimeoutError) and shutdown timeout (WorkerShutdownError); `signal.reason` says which.
   */
  readonly signal: AbortSignal;
  /** The state the last checkpoint() of an earlier attempt stored, or null. */
  readonly lastCheckpoint: unknown;
  /** Reports progress to the master: the latest value is sent with the next heartbeat (coalesced). */
  progress(value: unknown): void;
  /** Stores state with the next heartbeat (a lease extension carrying the new body); a later attempt gets it as lastCheckpoint. */
  checkpoint(state: unknown): void;
  readonly log: WorkerLogger;
}


/** Handlers keyed by task name. Payload types are the handler's own business (the wire carries JSON). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type TaskHandlers = Record<string, (payload: any, ctx: TaskContext) => Promise<unknown> | unknown>;

export interface WorkerOptions {
  /** Broker URL (give exactly one of url, broker, client). */
  url?: string;
  /** With `url`: the API key to present, when the broker has keys (docs/auth.md). */
  apiKey?: string;
  /** An engine in this process (embedded mode). */
  broker?: Engine;
  /** A client you own; the worker does not close it. */
  client?: SpoolClient;
  /** The task queue. */
  queue: string;
  handlers: TaskHandlers;
  /** Tasks run at once. Default 1. */
  concurrency?: number;
  /** Lease length, ms (rounded up to whole seconds on the wire); heartbeats every leaseMs/2, jittered. Default 30000. */
  leaseMs?: number;
  /** close() waits this long for running handlers before aborting them and releasing their tasks. Default 30000. */
  shutdownTimeoutMs?: number;
  /** Backoff per task name, overriding the envelope's. */
  backoff?: Record<string, BackoffPolicy>;
  /** While idle, how often to check the queue for ready tasks that are not arriving (see worker.ts). 0 disables. Default 5000. */
  idleCheckMs?: number;
  log?: WorkerLogger;
}

export type WorkerConnection = BrokerConnection;

export interface ResolvedWorkerOptions {
  connection: WorkerConnection;
  queue: string;
  handlers: TaskHandlers;
  concurrency: number;
  leaseMs: number;
  shutdownTimeoutMs: number;
  backoff: Record<string, BackoffPolicy>;
  idleCheckMs: number;
  log: WorkerLogger;
}

export const WORKER_DEFAULTS = {
  concurrency: 1,
  leaseMs: 30_000,
  shutdownTimeoutMs: 30_000,
  idleCheckMs: 5_000,
} as const;

/** Shortest lease: the broker's visibility timeout is whole seconds, at least 1. */
export const LEASE_MS_MIN = 1_000;
export const LEASE_MS_MAX = 43_200_000;
export const CONCURRENCY_MAX = 10_000;

const noop = () => {};
export const SILENT_LOGGER: WorkerLogger = { debug: noop, info: noop, warn: noop, error: noop };

const WORKER_OPTION_NAMES = ['url', 'apiKey', 'broker', 'client', 'queue', 'handlers', 'concurrency', 'leaseMs', 'shutdownTimeoutMs', 'backoff', 'idleCheckMs', 'log'] as const satisfies readonly (keyof WorkerOptions)[];

export function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('startWorker options must be an object');
  checkKnownOptions(options, WORKER_OPTION_NAMES, 'startWorker');
  const connection = resolveConnection(options, 'startWorker');
  if (typeof options.queue !== 'string' || options.queue === '') throw new TypeError('queue must be a queue name');
  if (typeof options.handlers !== 'object' || options.handlers === null) throw new TypeError('handlers must be an object of task name → handler function');
  for (const [name, handler] of Object.entries(options.handlers)) {
    if (typeof handler !== 'function') throw new TypeError(`handlers.${name} must be a function, got ${typeof handler}`);
  }
  const backoff = options.backoff ?? {};
  for (const [name, policy] of Object.entries(backoff)) {
    const ok = typeof policy === 'function' || (typeof policy === 'object' && policy !== null && (policy.type === 'fixed' || policy.type === 'exponential') && Number.isFinite(policy.delayMs) && policy.delayMs >= 0);
    if (!ok) throw new TypeError(`backoff.${name} must be a function or { type: 'fixed' | 'exponential', delayMs ≥ 0, maxDelayMs? }`);
  }
  return {
    connection,
    queue: options.queue,
    handlers: options.handlers,
    concurrency: integerOption('concurrency', options.concurrency, WORKER_DEFAULTS.concurrency, 1, CONCURRENCY_MAX),
    leaseMs: integerOption('leaseMs', options.leaseMs, WORKER_DEFAULTS.leaseMs, LEASE_MS_MIN, LEASE_MS_MAX),
    shutdownTimeoutMs: integerOption('shutdownTimeoutMs', options.shutdownTimeoutMs, WORKER_DEFAULTS.shutdownTimeoutMs, 0, 24 * 3_600_000),
    backoff,
    idleCheckMs: integerOption('idleCheckMs', options.idleCheckMs, WORKER_DEFAULTS.idleCheckMs, 0, 3_600_000),
    log: options.log === undefined ? SILENT_LOGGER : guardedLogger(options.log),
  };
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** The user's logger, checked for its four methods; one that throws loses its line, not the task. */
function guardedLogger(log: unknown): WorkerLogger {
  const candidate = log as Partial<Record<(typeof LOG_LEVELS)[number], unknown>> | null;
  if (typeof log !== 'object' || candidate === null || LOG_LEVELS.some((level) => typeof candidate[level] !== 'function')) {
    throw new TypeError('log must be an object with debug, info, warn and error methods (console will do)');
  }
  const user = log as WorkerLogger;
  const guarded = {} as WorkerLogger;
  for (const level of LOG_LEVELS) {
    guarded[level] = (message, fields) => {
      try {
        user[level](message, fields);
      } catch {
        // A logger is no reason to lose a task.
      }
    };
  }
  return guarded;
}
