/** The Spool master: posts tasks to a task queue and awaits their results (docs/tasks.md). */
export { startMaster, Master, type AttachOptions, type EnqueuedTask } from './master.js';
export { resolveMasterOptions, resolveRunOptions, MASTER_DEFAULTS, RUN_DEFAULTS, type MasterOptions, type ResolvedMasterOptions, type RunOptions, type ResolvedRunOptions, type MasterConnection } from './options.js';
export { MasterError, TaskFailedError, TaskTimeoutError, TaskCancelledError, MasterClosedError, type MasterErrorCode } from './errors.js';
export { MAP_DEFAULTS, type MapOptions, type MapProgress, type Settled } from './map.js';
export type { TaskHandle, TaskProgress, FinalReply } from './pending.js';
export type { MasterEvents, MasterListeners } from './events.js';
export type { CancelOutcome } from '../core/store/store.js';
export { replyQueueName, type BackoffSpec, type TaskReply } from '../core/tasks/envelope.js';
