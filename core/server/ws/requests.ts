/**
 * What each request op does: the engine call behind it and the shape of its result
 * (docs/protocol.md has the table). Replies are the connection's business.
 */
import { checkInteger } from '../../engine/attributes.js';
import type { Engine, ReplyInput } from '../../engine/engine.js';
import type { SendInput } from '../../engine/validate.js';
import { LIMITS } from '../../limits.js';
import type { Request } from './frames.js';
import type { LeaseTable } from './leases.js';

/** What a request needs from its connection. */
export interface RequestContext {
  readonly engine: Engine;
  readonly leases: LeaseTable;
  /** What becomes of this socket's leases when it closes (the broker's keepLeasesOnClose). */
  readonly leasesOnClose: 'released' | 'kept';
  subscribe(queue: string, prefetch: number, visibilityTimeout: number | undefined): Promise<string>;
  /** Changes a subscription's prefetch; INVALID_PARAMETER when the id is not one of this socket's. */
  credit(subscription: string, prefetch: number): void;
  unsubscribe(subscription: string): Promise<void>;
}

const SUCCESS = (handles: readonly string[]) => new Map(handles.map((h) => [h, null] as const));

export async function execute(ctx: RequestContext, request: Request): Promise<unknown> {
  const { engine, leases } = ctx;
  switch (request.op) {
    case 'send':
      if (request.message !== undefined) return { msgId: await engine.send(request.queue, request.message as SendInput) };
      return { msgIds: await engine.sendBatch(request.queue, request.messages as SendInput[]) };

    case 'subscribe': {
      const prefetch = checkInteger('prefetch', request.prefetch, 1, LIMITS.prefetchMax);
      const visibility = request.visibilityTimeout === undefined ? undefined : checkInteger('visibilityTimeout', request.visibilityTimeout, 1, LIMITS.visibilityTimeoutMax);
      return { subscription: await ctx.subscribe(request.queue, prefetch, visibility), leasesOnClose: ctx.leasesOnClose };
    }

    case 'credit':
      ctx.credit(request.subscription, checkInteger('prefetch', request.prefetch, 0, LIMITS.prefetchMax));
      return {};

    case 'unsubscribe':
      await ctx.unsubscribe(request.subscription);
      return {};

    case 'ack': {
      const { queue, receiptHandles } = request;
      return leases.around(queue, receiptHandles, true, () => engine.deleteBatch(queue, receiptHandles as string[]), (result) => {
        const outcomes = new Map<string, string | null>(result.deleted.map((h) => [h, null]));
        for (const f of result.failed) outcomes.set(f.receiptHandle, f.code);
        return outcomes;
      });
    }

    case 'extend': {
      const { queue, receiptHandle } = request;
      // 0 would end the lease: that is a release, which gives the credit back; extend never does.
      const seconds = checkInteger('visibilityTimeout', request.visibilityTimeout, 1, LIMITS.visibilityTimeoutMax);
      const options = request.body === undefined ? {} : { body: request.body as string };
      return leases.around(queue, [receiptHandle], false, () => engine.changeVisibility(queue, receiptHandle, seconds, options), () => new Map());
    }

    case 'release': {
      const { queue, receiptHandle } = request;
      await leases.around(queue, [receiptHandle], true, () => engine.release(queue, receiptHandle, request.delaySeconds ?? 0), () => SUCCESS([receiptHandle]));
      return {};
    }

    case 'requeue': {
      const { queue, receiptHandle } = request;
      await leases.around(queue, [receiptHandle], true, () => engine.requeue(queue, receiptHandle), () => SUCCESS([receiptHandle]));
      return {};
    }

    case 'cancel':
      return { outcome: await engine.cancelMessage(request.queue, request.msgId) };

    case 'complete': {
      const { queue, receiptHandle } = request;
      const msgId = await leases.around(queue, [receiptHandle], true, () => engine.complete(queue, receiptHandle, request.reply as unknown as ReplyInput), () => SUCCESS([receiptHandle]));
      return { msgId };
    }
  }
}
