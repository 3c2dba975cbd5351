/** Reading the engine's paged lists (queues, topics) a page at a time, or whole. */
import { LIMITS } from '../limits.js';

/** One page of a list, and how many the list holds in all. */
export interface ListPage<T> {
  total: number;
  items: T[];
}

/** Reads the page at `offset`, of at most `limit` entries. */
export type PageRead<T> = (offset: number, limit: number) => Promise<ListPage<T>>;

/** Everything `read` lists, page after page, each as large as the engine allows (LIMITS.listLimitMax). */
export async function readEveryPage<T>(read: PageRead<T>): Promise<T[]> {
  const all: T[] = [];
  for (;;) {
    const { total, items } = await read(all.length, LIMITS.listLimitMax);
    all.push(...items);
    if (items.length === 0 || all.length >= total) return all;
  }
}
