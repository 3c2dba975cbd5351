/**
 * A receive that may wait, and that stops waiting when its client goes away or the server begins
 * to close. The engine's wait cannot be cancelled, so an abandoned wait is left to finish on its
 * own; messages it leases after its caller left are released at once (they count one more
 * delivery in dequeueCount), instead of staying invisible until their lease ends.
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
  const receiving = engine.receiveBatch(queue, options);
  let stopWaiting = () => {};
  const abandoned = new Promise<'abandoned'>((resolve) => {
    stopWaiting = () => resolve('abandoned');
  });
  const unsubscribe = lifecycle.onClosing(stopWaiting);
  const onClose = () => {
    if (!response.writableFinished) stopWaiting();
  };
  response.once('close', onClose);
  try {
    const outcome = await Promise.race([receiving, abandoned]);
    if (outcome !== 'abandoned') return outcome;
    receiving.then((late) => releaseAll(engine, queue, late)).catch(() => {});
    return [];
  } finally {
    unsubscribe();
    response.off('close', onClose);
  }
}

function releaseAll(engine: Engine, queue: string, messages: ReceivedMessage[]): void {
  for (const message of messages) {
    // The engine may be closing too; then the lease simply runs out.
    engine.release(queue, message.receiptHandle).catch(() => {});
  }
}
