/**
 * Lists: ListQueue, ListDeadLetterSourceQueues, ListTopic and ListSubscriptionByTopic page with
 * `offset` and `limit` (default 20; at most 50, and 100 for subscriptions; an offset needs a
 * limit, as CMQ requires) and filter with `searchWord`, CMQ's fuzzy match, here a
 * case-insensitive substring of the name. Their reply is `{totalCount, <kind>List: [...]}`,
 * totalCount counting every match, in name order.
 */
import type { Engine } from '../../../engine/engine.js';
import { readEveryPage, type ListPage, type PageRead } from '../../../engine/paging.js';
import type { QueueRecord } from '../../../store/store.js';
import { queueId } from './naming.js';
import type { Params } from './params.js';

const LIMIT_DEFAULT = 20;

export interface Paging {
  limitMax: number;
  offsetMax: number;
}

/** ListQueue, ListDeadLetterSourceQueues, ListTopic: limit 1-50. */
const LISTS: Paging = { limitMax: 50, offsetMax: 1_000_000_000 };

export interface Page {
  offset: number;
  limit: number;
  /** Lower-cased; '' matches every name. */
  searchWord: string;
}

export function readPage(params: Params, { limitMax, offsetMax }: Paging = LISTS): Page {
  const offset = params.optionalInteger('offset', 0, offsetMax);
  const limit = offset === undefined ? params.optionalInteger('limit', 1, limitMax) : params.integer('limit', 1, limitMax);
  return { offset: offset ?? 0, limit: limit ?? LIMIT_DEFAULT, searchWord: (params.optionalString('searchWord') ?? '').toLowerCase() };
}

/** The page of `all` (in name order) that the search word lets through. */
function searched<T extends { name: string }>(all: readonly T[], page: Page): ListPage<T> {
  const found = all.filter((item) => item.name.toLowerCase().includes(page.searchWord));
  return { total: found.length, items: found.slice(page.offset, page.offset + page.limit) };
}

/** The page asked for: the engine's own page without a search word, else from a scan of every name. */
export async function listPage<T extends { name: string }>(page: Page, read: PageRead<T>): Promise<ListPage<T>> {
  return page.searchWord === '' ? read(page.offset, page.limit) : searched(await readEveryPage(read), page);
}

/** A list reply: `{totalCount, [field]: [entry of each]}`. */
export function listReply<T>(field: string, entry: (item: T) => Record<string, unknown>, { total, items }: ListPage<T>): Record<string, unknown> {
  return { totalCount: total, [field]: items.map(entry) };
}

export function queueList(listed: ListPage<QueueRecord>): Record<string, unknown> {
  return listReply('queueList', (queue) => ({ queueId: queueId(queue), queueName: queue.name }), listed);
}

/** The page of the queues that `keep` (and the search word) let through, from a scan of all of them. */
export async function scanPage(engine: Engine, page: Page, keep: (queue: QueueRecord) => boolean = () => true): Promise<Record<string, unknown>> {
  return queueList(searched((await engine.allQueues()).filter(keep), page));
}
