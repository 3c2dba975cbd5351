/**
 * Lists of queues: ListQueue and ListDeadLetterSourceQueues page with `offset` and `limit`
 * (default 20, at most 50; an offset needs a limit, as CMQ requires) and filter with `searchWord`,
 * CMQ's fuzzy match, here a case-insensitive substring of the name. Their reply is
 * `{totalCount, queueList: [{queueId, queueName}]}`, totalCount counting every match.
 */
import type { Engine } from '../../../engine/engine.js';
import type { QueueRecord } from '../../../store/store.js';
import { queueId } from './naming.js';
import type { Params } from './params.js';

const LIMIT_DEFAULT = 20;
const LIMIT_MAX = 50;
const OFFSET_MAX = 1_000_000_000;

export interface Page {
  offset: number;
  limit: number;
  /** Lower-cased; '' matches every name. */
  searchWord: string;
}

export function readPage(params: Params): Page {
  const offset = params.optionalInteger('offset', 0, OFFSET_MAX);
  const limit = offset === undefined ? params.optionalInteger('limit', 1, LIMIT_MAX) : params.integer('limit', 1, LIMIT_MAX);
  return { offset: offset ?? 0, limit: limit ?? LIMIT_DEFAULT, searchWord: (params.optionalString('searchWord') ?? '').toLowerCase() };
}

function matches(name: string, page: Page): boolean {
  return name.toLowerCase().includes(page.searchWord);
}

export function listReply(queues: readonly QueueRecord[], total: number): Record<string, unknown> {
  return { totalCount: total, queueList: queues.map((queue) => ({ queueId: queueId(queue), queueName: queue.name })) };
}

/** The page of the queues that `keep` (and the search word) let through, from a scan of all of them. */
export async function scanPage(engine: Engine, page: Page, keep: (queue: QueueRecord) => boolean = () => true): Promise<Record<string, unknown>> {
  const found = (await engine.allQueues()).filter((queue) => keep(queue) && matches(queue.name, page));
  return listReply(found.slice(page.offset, page.offset + page.limit), found.length);
}
