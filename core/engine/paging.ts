/** Reading a whole list through the engine's paged list calls (queues, topics). */
import { LIMITS } from '../limits.js';

/** One page of a list, and how many the list holds in all. */
export type PageRead<T> = (offset: number, limit: number) => Promise<{ total: number; items: T[] }>;

/** Everything `read` lists, page after page, each of the most one call gives (LIMITS.listLimitMax). */
export async function readEveryPage<T>(read: PageRead<T>): Promise<T[]> {
  const all: T[] = [];
  for (;;) {
    const { total, items } = await read(all.length, LIMITS.listLimitMax);
    all.push(...items);
    if (items.length === 0 || all.length >= total) return all;
  }
}
