/** Pure units of master/: option resolution, the task registry's orphan bookkeeping, error shapes. */
import { describe, expect, it } from 'vitest';
import { MASTER_DEFAULTS, RUN_DEFAULTS, TaskFailedError, resolveMasterOptions, resolveRunOptions } from '../../master/index.js';
import { mapTasks, streamTasks } from '../../master/map.js';
import { PendingTask, PendingTasks, type FinalReply, type TaskHandle } from '../../master/pending.js';

describe('resolveMasterOptions', () => {
  it('fills named defaults and derives the reply queue', () => {
    const r = resolveMasterOptions({ url: 'http://127.0.0.1:1', queue: 'jobs', name: 'm' });
    expect(r).toMatchObject({ connection: { kind: 'url' }, queue: 'jobs', name: 'm', replyQueue: 'spool-replies-m', ...MASTER_DEFAULTS, defaults: RUN_DEFAULTS });
  });

  it('names the option that is wrong', () => {
    const base = { url: 'http://x', queue: 'jobs', name: 'm' };
    expect(() => resolveMasterOptions({ ...base, url: 'ftp://x' })).toThrow(/^url must be an http\(s\) URL/);
    expect(() => resolveMasterOptions({ ...base, queue: '9lives' })).toThrow(/^queue must give a queue name/);
    expect(() => resolveMasterOptions({ ...base, name: '' })).toThrow(/^name must be a non-empty string/);
    expect(() => resolveMasterOptions({ ...base, name: 'x'.repeat(80) })).toThrow(/^name must give a queue name/);
    expect(() => resolveMasterOptions({ ...base, replyPrefetch: 0 })).toThrow(/^replyPrefetch must be a whole number from 1/);
    expect(() => resolveMasterOptions({ ...base, nmae: 'm2' } as never)).toThrow('startMaster: unknown option "nmae" (did you mean name?)');
    expect(() => resolveMasterOptions({ ...base, timeoutMs: 5 } as never)).toThrow(/^startMaster: unknown option "timeoutMs"$/);
    expect(() => resolveMasterOptions({ ...base, defaults: { maxAttempts: 1.5 } })).toThrow(/^defaults\.maxAttempts must be/);
  });

  it('run options merge over the master defaults', () => {
    const base = resolveRunOptions({ maxAttempts: 7 }, RUN_DEFAULTS);
    expect(resolveRunOptions({ priority: 5, timeoutMs: 100 }, base)).toEqual({ ...RUN_DEFAULTS, maxAttempts: 7, priority: 5, timeoutMs: 100 });
    expect(() => resolveRunOptions({ backoff: { type: 'linear' } as never }, base)).toThrow(/^backoff must be/);
    expect(() => resolveRunOptions({ delayMs: -1 }, base)).toThrow(/^delayMs must be a whole number from 0/);
    expect(() => resolveRunOptions({ priority: 2_000_000 }, base)).toThrow(/^priority must be/);
    // A string is quoted, so '3' does not read as the 3 it would take.
    expect(() => resolveRunOptions({ maxAttempts: '3' as unknown as number }, base)).toThrow('maxAttempts must be a whole number from 1 to 1000, got "3"');
    expect(() => resolveRunOptions({ priority: {} as unknown as number }, base)).toThrow(/, got an object$/);
  });
});

describe('PendingTasks', () => {
  const reply = (taskId: string): FinalReply => ({ v: 1, type: 'result', taskId, attempt: 1, result: taskId });

  it('holds orphans for the retention time and at most orphanMax of them, oldest first out', () => {
    const tasks = new PendingTasks(1000, 2);
    tasks.holdOrphan(reply('a'), 0);
    tasks.holdOrphan(reply('b'), 100);
    tasks.holdOrphan(reply('c'), 200);
    expect(tasks.orphanCount).toBe(2);
    expect(tasks.takeOrphan('a', 300)).toBeUndefined();
    expect(tasks.takeOrphan('b', 1099)).toEqual(reply('b'));
    expect(tasks.takeOrphan('c', 1200)).toBeUndefined();
  });

  it('remembers finished ids, and a task settles once', async () => {
    const tasks = new PendingTasks(1000, 10);
    const task = new PendingTask<number>('t1', 'm1', async () => 'gone');
    tasks.add(task as PendingTask);
    expect(tasks.get('t1')).toBe(task);
    tasks.finish('t1');
    expect(tasks.get('t1')).toBeUndefined();
    expect(tasks.wasFinished('t1')).toBe(true);
    task.settleWith({ v: 1, type: 'result', taskId: 't1', attempt: 1, result: 1 });
    task.reject(new Error('late'));
    await expect(task.result).resolves.toBe(1);
    expect(task.settled).toBe(true);
  });
});

describe('TaskFailedError', () => {
  it('carries the remote name, message and stack, and the rebuilt remote error as cause', () => {
    const err = new TaskFailedError('t1', { name: 'RangeError', message: 'too big', stack: 'RangeError: too big\n    at handler (w.js:1:1)' }, 2);
    expect(err).toMatchObject({ name: 'TaskFailedError', code: 'TASK_FAILED', taskId: 't1', message: 'too big', remoteName: 'RangeError', attempt: 2 });
    expect(err.stack).toMatch(/remote RangeError: too big\n {4}at handler \(w\.js:1:1\)$/);
    expect(err.cause).toMatchObject({ name: 'RangeError', message: 'too big' });
  });
});

describe('map and stream', () => {
  /** A submit that settles each task at once with twice its payload, counting the posts. */
  function counting() {
    const posted: unknown[] = [];
    const submit = async (payload: unknown): Promise<TaskHandle<number>> => {
      posted.push(payload);
      const task = new PendingTask<number>(`t${posted.length}`, 'm', async () => 'gone');
      task.resolve((payload as number) * 2);
      return task;
    };
    return { posted, submit };
  }

  it('post nothing when an option is wrong, and never touch the payloads', async () => {
    const { posted, submit } = counting();
    let pulled = 0;
    function* payloads() {
      for (;;) yield ++pulled;
    }
    await expect(mapTasks(submit, 'double', payloads(), { signal: new AbortController() as unknown as AbortSignal })).rejects.toThrow(/^signal must be an AbortSignal/);
    await expect(mapTasks(submit, 'double', payloads(), { signal: 'stop' as unknown as AbortSignal })).rejects.toThrow(/^signal must be an AbortSignal, got "stop"$/);
    await expect(mapTasks(submit, 'double', payloads(), null as never)).rejects.toThrow(/^map options must be an object, got null$/);
    await expect(streamTasks(submit, 'double', payloads(), { concurrency: 1.5 }).next()).rejects.toThrow(/^concurrency must be a whole number from 1 to 10000, got 1.5$/);
    await expect(mapTasks(submit, 'double', { length: 2, 0: 1, 1: 2 } as unknown as number[], {})).rejects.toThrow(/^payloads must be an iterable or async iterable .*, got an object$/);
    await expect(mapTasks(submit, 'double', new Date() as unknown as number[], {})).rejects.toThrow(/, got a Date$/);
    expect(posted).toEqual([]);
    expect(pulled).toBe(0);
  });

  it('a signal aborted before the call posts nothing, not even the first payload', async () => {
    const { posted, submit } = counting();
    await expect(mapTasks(submit, 'double', [1, 2, 3], { signal: AbortSignal.abort(new Error('too late')) })).rejects.toThrow('too late');
    await expect(streamTasks(submit, 'double', [1, 2, 3], { signal: AbortSignal.abort(new Error('too late')) }).next()).rejects.toThrow('too late');
    expect(posted).toEqual([]);
    await expect(mapTasks(submit, 'double', [1, 2, 3], { signal: new AbortController().signal })).resolves.toEqual([2, 4, 6]);
  });
});
