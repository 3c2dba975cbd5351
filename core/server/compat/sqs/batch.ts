/**
 * Batch requests (SendMessageBatch, DeleteMessageBatch, ChangeMessageVisibilityBatch): 1-10
 * entries, each with an Id of 1-80 letters, digits, `-` and `_`, distinct within the request; a
 * request that breaks these rules is refused whole. Otherwise each entry succeeds or fails on its
 * own: a failed one is listed in `Failed` with its error's shape as `Code`, and the reply is a 200.
 */
import { SpoolError } from '../../../errors.js';
import { SqsError, toSqsError } from './errors.js';
import { requireObjectList, type Members } from './input.js';

const BATCH_MAX = 10;
const ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

export interface BatchEntry {
  id: string;
  input: Members;
}

export interface FailedEntry {
  Id: string;
  SenderFault: boolean;
  Code: string;
  Message: string;
}

export interface BatchResult {
  Successful: Members[];
  Failed: FailedEntry[];
}

export function readEntries(input: Members): BatchEntry[] {
  const entries = requireObjectList(input, 'Entries');
  if (entries.length === 0) throw new SqsError('EmptyBatchRequest', 'a batch request needs at least one entry');
  if (entries.length > BATCH_MAX) throw new SqsError('TooManyEntriesInBatchRequest', `a batch request holds at most ${BATCH_MAX} entries, got ${entries.length}`);
  const seen = new Set<string>();
  return entries.map((entry) => {
    const id = entry.Id;
    if (typeof id !== 'string' || !ENTRY_ID.test(id)) {
      throw new SqsError('InvalidBatchEntryId', 'each entry needs an Id of 1-80 letters, digits, "-" or "_"');
    }
    if (seen.has(id)) throw new SqsError('BatchEntryIdsNotDistinct', `two entries have the Id ${JSON.stringify(id)}`);
    seen.add(id);
    return { id, input: entry };
  });
}

/** An entry's failure for `Failed`; anything but a refusal (a bug) fails the whole request instead. */
export function failedEntry(id: string, err: unknown): FailedEntry {
  if (!(err instanceof SqsError || err instanceof SpoolError)) throw err;
  const error = toSqsError(err);
  return { Id: id, SenderFault: error.status < 500, Code: error.shape, Message: error.message };
}

/** Runs `settle` on every entry at once (group commit joins them); each succeeds or fails alone. */
export async function settleEach(entries: BatchEntry[], settle: (entry: Members) => Promise<unknown>): Promise<BatchResult> {
  const result: BatchResult = { Successful: [], Failed: [] };
  // async: an entry whose check throws at once fails alone too.
  const outcomes = await Promise.allSettled(entries.map(async ({ input }) => settle(input)));
  outcomes.forEach((outcome, i) => {
    const { id } = entries[i]!;
    if (outcome.status === 'fulfilled') result.Successful.push({ Id: id });
    else result.Failed.push(failedEntry(id, outcome.reason));
  });
  return result;
}
