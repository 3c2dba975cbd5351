/**
 * The TaskContext a handler gets: one object per run, its behaviour on the prototype. A context
 * built from closures (eight per run) cost more of a no-op task's worker CPU than anything else
 * of ours (docs/performance.md). The function-valued members are getters that bind on first use,
 * so `const { progress, log } = ctx` still works and a handler that never uses them costs nothing.
 */
import type { TaskContext, WorkerLogger } from './options.js';

/** What a context needs from its run. */
export interface ContextHost {
  /** The handler's AbortSignal (made on first use). */
  readonly handlerSignal: AbortSignal;
  /** Keeps the latest progress value for the next heartbeat. */
  reportProgress(value: unknown): void;
  /** Keeps the latest checkpoint for the next heartbeat. */
  storeCheckpoint(state: unknown): void;
  /** The fields every log line of this run carries. */
  logFields(): Record<string, unknown>;
  readonly log: WorkerLogger;
}

export class RunContext implements TaskContext {
  private boundProgress: ((value: unknown) => void) | null = null;
  private boundCheckpoint: ((state: unknown) => void) | null = null;
  private runLog: WorkerLogger | null = null;

  constructor(
    private readonly host: ContextHost,
    readonly taskId: string,
    readonly name: string,
    readonly attempt: number,
    readonly maxAttempts: number,
    readonly lastCheckpoint: unknown,
  ) {}

  get signal(): AbortSignal {
    return this.host.handlerSignal;
  }

  get progress(): (value: unknown) => void {
    return (this.boundProgress ??= (value) => this.host.reportProgress(value));
  }

  get checkpoint(): (state: unknown) => void {
    return (this.boundCheckpoint ??= (state) => this.host.storeCheckpoint(state));
  }

  get log(): WorkerLogger {
    return (this.runLog ??= withFields(this.host.log, this.host.logFields()));
  }
}

function withFields(log: WorkerLogger, fields: Record<string, unknown>): WorkerLogger {
  return {
    debug: (message, extra) => log.debug(message, { ...fields, ...extra }),
    info: (message, extra) => log.info(message, { ...fields, ...extra }),
    warn: (message, extra) => log.warn(message, { ...fields, ...extra }),
    error: (message, extra) => log.error(message, { ...fields, ...extra }),
  };
}
