/**
 * Syncs the WAL off the event loop. SQLite commits with synchronous=NORMAL (no fsync inside
 * COMMIT), then this fdatasyncs the WAL file on libuv's thread pool, and only then are the batch's
 * operations answered. So an acknowledged write is on disk exactly as with synchronous=FULL, but
 * the event loop never waits for the disk, and the next batch runs while this one syncs.
 *
 * One sync is in flight at a time; batches committed meanwhile share the next one (group commit
 * at the sync level too). A batch with nothing durable in it (leases) waits only if an earlier
 * batch's sync is still pending, so nothing read from a not-yet-durable write is answered before
 * that write is durable. SQLite itself still syncs the WAL before a checkpoint and the database
 * after it, so checkpoints never outrun these syncs.
 */
import { closeSync, fdatasync, openSync } from 'node:fs';
import { SpoolError } from '../../errors.js';

type Settle = (err?: SpoolError) => void;

export class WalSync {
  private fd: number | null = null;
  private syncing = false;
  /** Batches committed since the sync in flight began: the next sync covers them. */
  private waiting: Settle[] = [];
  private idle: (() => void)[] = [];

  constructor(private readonly walPath: string) {}

  /** Calls `settle` once the batch just committed may be answered. */
  afterCommit(durable: boolean, settle: Settle): void {
    if (!durable && !this.syncing && this.waiting.length === 0) {
      settle();
      return;
    }
    this.waiting.push(settle);
    if (!this.syncing) this.start();
  }

  /** Resolves when no sync is pending. */
  drained(): Promise<void> {
    if (!this.syncing && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private start(): void {
    const covered = this.waiting;
    this.waiting = [];
    let fd: number;
    try {
      // The WAL exists once the first commit has written to it; SQLite resets it in place rather
      // than deleting it while the database is open, so one descriptor serves for good.
      this.fd ??= openSync(this.walPath, 'r+');
      fd = this.fd;
    } catch (err) {
      this.finish(covered, failure(err));
      return;
    }
    this.syncing = true;
    fdatasync(fd, (err) => {
      this.syncing = false;
      this.finish(covered, err ? failure(err) : undefined);
    });
  }

  private finish(covered: Settle[], err: SpoolError | undefined): void {
    for (const settle of covered) settle(err);
    if (this.waiting.length > 0) {
      this.start();
      return;
    }
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }
}

function failure(err: unknown): SpoolError {
  return new SpoolError('STORE_FAILED', `syncing the write-ahead log failed: ${(err as Error).message}`, { cause: err });
}
