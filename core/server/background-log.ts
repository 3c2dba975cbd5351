/**
 * How the broker logs failures of background work (lease expiry, sweeps, the store's own
 * connections). An outage fails that work every second, from several places, with several
 * messages: the first failure is logged as an error, the rest at debug with a reminder each minute
 * while it lasts, and the engine's `recovered` event ends the outage with one line saying how long
 * it took.
 */
import type { FastifyBaseLogger } from 'fastify';

/** How often a failure that goes on is logged again. */
const REMINDER_MS = 60_000;

interface Outage {
  since: number;
  failures: number;
  lastAt: number;
  remindedAt: number;
}

export class BackgroundLog {
  private outage: Outage | null = null;

  constructor(private readonly log: FastifyBaseLogger) {}

  failed(err: unknown): void {
    const now = Date.now();
    const outage = this.outage;
    // A minute without failures also ends an outage: failures of work that is not retried (a push
    // consumer's) end without a recovery.
    if (outage === null || now - outage.lastAt > REMINDER_MS) {
      this.outage = { since: now, failures: 1, lastAt: now, remindedAt: now };
      this.log.error({ err }, 'background work failed; it is retried, and failures until it recovers are logged at debug');
      return;
    }
    outage.failures++;
    outage.lastAt = now;
    if (now - outage.remindedAt >= REMINDER_MS) {
      outage.remindedAt = now;
      this.log.error({ err, failures: outage.failures, downMs: now - outage.since }, 'background work still failing');
    } else {
      this.log.debug({ err }, 'background work failed again');
    }
  }

  recovered(): void {
    const outage = this.outage;
    if (outage === null) return;
    this.outage = null;
    this.log.info({ failures: outage.failures, downMs: Date.now() - outage.since }, 'background work recovered');
  }
}
