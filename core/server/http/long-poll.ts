/**
 * A receive that may wait, and that stops waiting when its client goes away or the server begins
 * to close. The wait is aborted in the engine, so nothing is leased for a caller that has left
 * (a claim already under way gives its messages back uncounted). `maxWaitSeconds` is this server's
 * longest wait (limits.longPollMaxSeconds): a queue's default wait above it is cut to it; an
 * explicit wait above it is the caller's to refuse, in its API's terms.
 */
import type { ServerResponse } from 'node:http';
import type { Engine, ReceiveBatchOptions } from '../../engine/engine.js';
import type { ReceivedMessage } from '../../engine/message.js';
import { LIMITS } from '../../limits.js';
import type { Lifecycle } from '../lifecycle.js';

export async function longPoll(
  engine: Engine,
  queue: string,
  options: ReceiveBatchOptions,
  maxWaitSeconds: number,
  lifecycle: Lifecycle,
  response: ServerResponse,
): Promise<ReceivedMessage[]> {
  const waitSeconds =
    options.waitSeconds ??
    (maxWaitSeconds < LIMITS.pollingWaitSecondsMax ? Math.min((await engine.getQueue(queue)).attributes.pollingWaitSeconds, maxWaitSeconds) : undefined);
  const abort = new AbortController();
  const stopWaiting = () => abort.abort();
  const unsubscribe = lifecycle.onClosing(stopWaiting);
  const onClose = () => {
    if (!response.writableFinished) stopWaiting();
  };
  response.once('close', onClose);
  try {
    return await engine.receiveBatch(queue, { ...options, waitSeconds, signal: abort.signal });
  } finally {
    unsubscribe();
    response.off('close', onClose);
  }
}
