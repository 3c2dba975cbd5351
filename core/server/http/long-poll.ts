/**
 * A receive that may wait, and that stops waiting when its client goes away or the server begins
 * to close. The wait is aborted in the engine, so nothing is leased for a caller that has left
 * (a claim already under way gives its messages back uncounted).
 */
import type { ServerResponse } from 'node:http';
import type { Engine, ReceiveBatchOptions } from '../../engine/engine.js';
import type { ReceivedMessage } from '../../engine/message.js';
import type { Lifecycle } from '../lifecycle.js';

export async function longPoll(
  engine: Engine,
  queue: string,
  options: ReceiveBatchOptions,
  lifecycle: Lifecycle,
  response: ServerResponse,
): Promise<ReceivedMessage[]> {
  const abort = new AbortController();
  const stopWaiting = () => abort.abort();
  const unsubscribe = lifecycle.onClosing(stopWaiting);
  const onClose = () => {
    if (!response.writableFinished) stopWaiting();
  };
  response.once('close', onClose);
  try {
    return await engine.receiveBatch(queue, { ...options, signal: abort.signal });
  } finally {
    unsubscribe();
    response.off('close', onClose);
  }
}
