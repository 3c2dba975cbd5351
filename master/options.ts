/**
 * startMaster's and run()'s options: named defaults → merge → validate (messages name the option)
 * → resolved types with nothing optional.
 */
import { checkKnownOptions, describeValue, integerOption, resolveConnection, type BrokerConnection, type SpoolClient } from '../core/client/index.js';
import type { Engine } from '../core/engine/engine.js';
import { LIMITS } from '../core/limits.js';
import { replyQueueName, type BackoffSpec } from '../core/tasks/envelope.js';
import type { MasterListeners } from './events.js';

export interface MasterOptions {
  /** Broker URL (give exactly one of url, broker, client). */
  url?: string;
  /** With `url`: the API key to present, when the broker has keys (docs/auth.md). */
  apiKey?: string;
  /** An engine in this process (embedded mode). */
  broker?: Engine;
  /** A client you own; the master does not close it. */
  client?: SpoolClient;
  /** The task queue; created if missing. */
  queue: string;
  /**
   * The master's name: its durable reply queue is `spool-replies-<name>`. A master restarted with
   * the same name collects the replies of tasks its previous incarnation posted. Two live masters
   * must not share a name (they would take each other's replies).
   */
  name: string;
  /** Replies handed over and not yet handled, at most. Default 1000. */
  replyPrefetch?: number;
  /** How long a final reply for a task this master does not know (an orphan) is held for attach()/result(), ms. Default 600000. */
  orphanRetentionMs?: number;
  /** Orphan replies held at most; the oldest go first. Default 100000. */
  orphanMax?: number;
  /** Defaults for run(), submit(), map() and stream(). */
  defaults?: RunOptions;
  /**
   * Event listeners attached before the reply queue is subscribed, so none of the first replies
   * (orphans waiting since a crash) is emitted before you listen.
   */
  on?: MasterListeners;
}

export interface RunOptions {
  /** Deadline for the whole task from submit, ms; the worker enforces it too. Default none. */
  timeoutMs?: number | null;
  /** Attempts before the task fails for good. Default 3. */
  maxAttempts?: number;
  /** Delay between attempts. Default exponential from 1000 ms, capped at 60000 ms. */
  backoff?: BackoffSpec;
  /** Higher runs first. Default 0. */
  priority?: number;
  /** Delay before the task can run, ms (rounded up to whole seconds on the wire). Default 0. */
  delayMs?: number;
}

export type ResolvedRunOptions = Required<{ [K in keyof RunOptions]: Exclude<RunOptions[K], undefined> }>;

export type MasterConnection = BrokerConnection;

export interface ResolvedMasterOptions {
  connection: MasterConnection;
  queue: string;
  name: string;
  replyQueue: string;
  replyPrefetch: number;
  orphanRetentionMs: number;
  orphanMax: number;
  defaults: ResolvedRunOptions;
  on: MasterListeners;
}

export const RUN_DEFAULTS: Readonly<ResolvedRunOptions> = Object.freeze({
  timeoutMs: null,
  maxAttempts: 3,
  backoff: Object.freeze({ type: 'exponential', delayMs: 1000, maxDelayMs: 60_000 }) as BackoffSpec,
  priority: 0,
  delayMs: 0,
});

export const MASTER_DEFAULTS = {
  replyPrefetch: 1000,
  orphanRetentionMs: 600_000,
  orphanMax: 100_000,
} as const;

const QUEUE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

const MASTER_OPTION_NAMES = ['url', 'apiKey', 'broker', 'client', 'queue', 'name', 'replyPrefetch', 'orphanRetentionMs', 'orphanMax', 'defaults', 'on'] as const satisfies readonly (keyof MasterOptions)[];

export function resolveMasterOptions(options: MasterOptions): ResolvedMasterOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError('startMaster options must be an object');
  checkKnownOptions(options, MASTER_OPTION_NAMES, 'startMaster');
  const connection = resolveConnection(options, 'startMaster');
  const queue = queueName('queue', options.queue);
  if (typeof options.name !== 'string' || options.name === '') throw new TypeError('name must be a non-empty string (the reply queue is named from it)');
  const replyQueue = queueName('name', replyQueueName(options.name));
  return {
    connection,
    queue,
    name: options.name,
    replyQueue,
    replyPrefetch: integerOption('replyPrefetch', options.replyPrefetch, MASTER_DEFAULTS.replyPrefetch, 1, 10_000),
    orphanRetentionMs: integerOption('orphanRetentionMs', options.orphanRetentionMs, MASTER_DEFAULTS.orphanRetentionMs, 0, 7 * 86_400_000),
    orphanMax: integerOption('orphanMax', options.orphanMax, MASTER_DEFAULTS.orphanMax, 0, 10_000_000),
    defaults: resolveRunOptions(options.defaults ?? {}, RUN_DEFAULTS, 'defaults.'),
    on: listeners(options.on),
  };
}

/** run()'s options over `base` (the master's defaults). */
export function resolveRunOptions(options: RunOptions, base: Readonly<ResolvedRunOptions>, prefix = ''): ResolvedRunOptions {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${prefix || 'run '}options must be an object`);
  const timeoutMs = options.timeoutMs === undefined ? base.timeoutMs : options.timeoutMs === null ? null : integerOption(`${prefix}timeoutMs`, options.timeoutMs, 0, 1, 7 * 86_400_000);
  const backoff = options.backoff ?? base.backoff;
  const ok =
    typeof backoff === 'object' &&
    backoff !== null &&
    (backoff.type === 'fixed' || backoff.type === 'exponential') &&
    Number.isFinite(backoff.delayMs) &&
    backoff.delayMs >= 0 &&
    (backoff.maxDelayMs === undefined || (Number.isFinite(backoff.maxDelayMs) && backoff.maxDelayMs >= 0));
  if (!ok) throw new TypeError(`${prefix}backoff must be { type: 'fixed' | 'exponential', delayMs ≥ 0, maxDelayMs? ≥ 0 }`);
  return {
    timeoutMs,
    maxAttempts: integerOption(`${prefix}maxAttempts`, options.maxAttempts, base.maxAttempts, 1, 1000),
    backoff,
    priority: integerOption(`${prefix}priority`, options.priority, base.priority, LIMITS.priorityMin, LIMITS.priorityMax),
    delayMs: integerOption(`${prefix}delayMs`, options.delayMs, base.delayMs, 0, LIMITS.delaySecondsMax * 1000),
  };
}

const EVENTS = ['progress', 'orphanResult', 'error'] as const;

function listeners(on: unknown): ResolvedMasterOptions['on'] {
  if (on === undefined) return {};
  if (typeof on !== 'object' || on === null) throw new TypeError('on must be an object of event name → listener');
  for (const [event, listener] of Object.entries(on)) {
    if (!(EVENTS as readonly string[]).includes(event)) throw new TypeError(`on.${event} is not a master event (${EVENTS.join(', ')})`);
    if (typeof listener !== 'function') throw new TypeError(`on.${event} must be a function`);
  }
  return on as ResolvedMasterOptions['on'];
}

function queueName(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > LIMITS.queueNameMaxLength || !QUEUE_NAME.test(value)) {
    throw new TypeError(
      `${option} must give a queue name of 1-${LIMITS.queueNameMaxLength} characters (a letter first, then letters, digits, '-' or '_'), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** A task's name, as submit, map and stream take it. */
export function checkTaskName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw new TypeError(`the task name must be a non-empty string, got ${describeValue(name)}`);
  return name;
}
