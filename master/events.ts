/** The master's typed events; a throwing listener is reported as a warning and cannot break the master. */
import { TypedEmitter } from '../core/client/index.js';
import type { FinalReply, TaskProgress } from './pending.js';

export interface MasterEvents {
  /** A worker reported progress on a task (this master's or an earlier incarnation's). */
  progress: [TaskProgress];
  /**
   * A final reply came for a task this master does not await (posted by an earlier incarnation
   * with the same name). It is held for orphanRetentionMs: attach(taskId) / result(taskId) get it.
   */
  orphanResult: [{ taskId: string; reply: FinalReply }];
  /** Background trouble: a reply that is not a task reply, an ack that failed, a timeout's cancel that failed. */
  error: [{ error: Error; taskId?: string }];
}

export class MasterEmitter extends TypedEmitter<MasterEvents> {
  fire<E extends keyof MasterEvents>(event: E, ...args: MasterEvents[E]): void {
    this.emit(event, ...args);
  }
}

/** Listeners by event, for startMaster's `on` option. */
export interface MasterListeners {
  progress?: (...args: MasterEvents['progress']) => void;
  orphanResult?: (...args: MasterEvents['orphanResult']) => void;
  error?: (...args: MasterEvents['error']) => void;
}
