/**
 * Push delivery: hands ready messages to whoever is waiting for a queue (push consumers with
 * credit, and long-poll receives) as soon as messages become ready, without polling.
 *
 * Each queue has at most one pump running. A pump claims as many messages as the waiting demand
 * can take (grouped by lease length) and deals them out one at a time, round-robin from a rotating
 * start, so consumers share a queue fairly. A queue found empty is not claimed from again until
 * something wakes it (a send, a release, an expired lease or delay, a rewind or redrive).
 *
 * A message bound for a queue that is empty, with a consumer waiting, can skip the claim: reserve()
 * sets one credit of that consumer aside, the message is stored already leased to it, and
 * handOver() delivers it after the commit (core/engine/handoff.ts).
 */
import type { ReceivedMessage } from './message.js';

/** Someone who wants messages from a queue. */
export interface Demand {
  /** How many messages it can take now. */
  credit(): number;
  /** Lease length for messages claimed for it. */
  readonly visibilityMs: number;
  /** Hands over messages (never more than credit()). */
  deliver(messages: ReceivedMessage[]): void;
}

export type Claimer = (queue: string, max: number, visibilityMs: number) => Promise<ReceivedMessage[]>;
/** Gives back messages claimed for a demand that went away while the claim was running. */
export type Returner = (queue: string, messages: ReceivedMessage[]) => void;

/** Most messages one claim asks for, so a commit stays short. */
const CLAIM_MAX = 512;

interface QueueDemand {
  demands: Set<Demand>;
  rotation: number;
  pumping: boolean;
  again: boolean;
  empty: boolean;
  /** Counts wakes, so a claim that raced with one does not mark the queue empty. */
  wakes: number;
}

export class Dispatcher {
  private readonly queues = new Map<string, QueueDemand>();
  /** Credit set aside by handoffs not yet delivered, per demand. */
  private readonly reserved = new Map<Demand, number>();
  /** Handed-off messages of this commit, delivered together in a microtask after it (one frame, not one each). */
  private handedOff = new Map<Demand, { queue: string; messages: ReceivedMessage[] }>();

  constructor(private readonly claim: Claimer, private readonly giveBack: Returner, private readonly onError: (err: unknown) => void) {}

  add(queue: string, demand: Demand): void {
    this.state(queue).demands.add(demand);
    this.pump(queue);
  }

  remove(queue: string, demand: Demand): void {
    const state = this.queues.get(queue);
    if (!state) return;
    state.demands.delete(demand);
    if (state.demands.size === 0 && !state.pumping) this.queues.delete(queue);
  }

  /** Messages may have become ready in `queue`. */
  wake(queue: string): void {
    const state = this.queues.get(queue);
    if (!state) return;
    state.empty = false;
    state.wakes++;
    this.pump(queue);
  }

  /** A demand has more credit (a consumer finished a message). */
  creditReturned(queue: string): void {
    const state = this.queues.get(queue);
    if (state && !state.empty) this.pump(queue);
  }

  /**
   * Sets aside one credit of a demand on `queue` for a message about to be stored, when nothing in
   * the queue is ready (it was found empty, and no claim is running) so the message would be the
   * next one claimed anyway: the demand with the most credit left, as a claim's deal would spread
   * them. Null when the message must be stored ready and claimed as usual. The caller then calls
   * handOver (stored) or unreserve (not stored).
   */
  reserve(queue: string): Demand | null {
    const state = this.queues.get(queue);
    if (!state || !state.empty || state.pumping) return null;
    let chosen: Demand | null = null;
    let most = 0;
    for (const demand of state.demands) {
      const credit = this.credit(demand);
      if (credit > most) {
        chosen = demand;
        most = credit;
      }
    }
    if (chosen !== null) this.reserved.set(chosen, (this.reserved.get(chosen) ?? 0) + 1);
    return chosen;
  }

  /**
   * The message reserved for `demand` is stored, leased to it: it is delivered with the others its
   * commit hands over, in a microtask queued behind their continuations, so before the replies to
   * their senders are built and written: the consumer's latency does not wait on the producer's.
   */
  handOver(queue: string, demand: Demand, message: ReceivedMessage): void {
    this.release(demand);
    const pending = this.handedOff.get(demand);
    if (pending) {
      pending.messages.push(message);
      return;
    }
    if (this.handedOff.size === 0) queueMicrotask(this.flushHandedOff);
    this.handedOff.set(demand, { queue, messages: [message] });
  }

  /** The message reserved for `demand` was not stored: the credit is free again. */
  unreserve(queue: string, demand: Demand): void {
    this.release(demand);
    this.creditReturned(queue);
  }

  /** The queue was deleted or purged: forget what is known of it. */
  forget(queue: string): void {
    const state = this.queues.get(queue);
    if (state) state.empty = true;
  }

  private release(demand: Demand): void {
    const left = this.reserved.get(demand)! - 1;
    if (left === 0) this.reserved.delete(demand);
    else this.reserved.set(demand, left);
  }

  /** Delivers each demand's handed-off messages; what it left or no longer has credit for goes back. */
  private readonly flushHandedOff = (): void => {
    const handedOff = this.handedOff;
    this.handedOff = new Map();
    for (const [demand, { queue, messages }] of handedOff) {
      // Credit still set aside for handoffs not yet stored is not this flush's to use.
      const take = this.queues.get(queue)?.demands.has(demand) ? Math.max(0, Math.min(messages.length, this.credit(demand))) : 0;
      if (take > 0) demand.deliver(take === messages.length ? messages : messages.slice(0, take));
      if (take < messages.length) this.giveBack(queue, messages.slice(take));
    }
  };

  /** What a demand can take beyond the credit handoffs have set aside. */
  private credit(demand: Demand): number {
    return demand.credit() - (this.reserved.get(demand) ?? 0);
  }

  private state(queue: string): QueueDemand {
    let state = this.queues.get(queue);
    if (!state) {
      state = { demands: new Set(), rotation: 0, pumping: false, again: false, empty: false, wakes: 0 };
      this.queues.set(queue, state);
    }
    return state;
  }

  private pump(queue: string): void {
    const state = this.queues.get(queue);
    if (!state) return;
    if (state.pumping) {
      state.again = true;
      return;
    }
    state.pumping = true;
    this.run(queue, state)
      .catch(this.onError)
      .finally(() => {
        state.pumping = false;
        if (state.demands.size === 0) this.queues.delete(queue);
        // Asked for between the run's last look and now (a demand added, credit returned).
        else if (state.again) this.pump(queue);
      });
  }

  private async run(queue: string, state: QueueDemand): Promise<void> {
    do {
      state.again = false;
      if (state.empty) return;
      const groups = new Map<number, Demand[]>();
      for (const demand of state.demands) {
        if (this.credit(demand) <= 0) continue;
        const group = groups.get(demand.visibilityMs);
        if (group) group.push(demand);
        else groups.set(demand.visibilityMs, [demand]);
      }
      if (groups.size === 0) return;
      const rounds = [...groups].map(async ([visibilityMs, demands]) => {
        const want = Math.min(CLAIM_MAX, demands.reduce((sum, d) => sum + this.credit(d), 0));
        const wakes = state.wakes;
        const messages = await this.claim(queue, want, visibilityMs);
        if (messages.length === want) state.again = true;
        else if (state.wakes === wakes) state.empty = true;
        this.deal(queue, state, demands, messages);
      });
      await Promise.all(rounds);
    } while (state.again);
  }

  private deal(queue: string, state: QueueDemand, demands: Demand[], messages: ReceivedMessage[]): void {
    const batches = demands.map(() => [] as ReceivedMessage[]);
    const credits = demands.map((d) => (state.demands.has(d) ? this.credit(d) : 0));
    let next = state.rotation++ % demands.length;
    let i = 0;
    for (; i < messages.length; i++) {
      let tries = 0;
      while (credits[next]! <= batches[next]!.length && tries < demands.length) {
        next = (next + 1) % demands.length;
        tries++;
      }
      if (tries === demands.length) break;
      batches[next]!.push(messages[i]!);
      next = (next + 1) % demands.length;
    }
    for (let d = 0; d < demands.length; d++) {
      if (batches[d]!.length > 0) demands[d]!.deliver(batches[d]!);
    }
    if (i < messages.length) this.giveBack(queue, messages.slice(i));
  }
}
