import type { Message } from './types.ts';

/** The catch-up's page reads ran out (catch-up.ts): the view is read afresh instead. */
export class OutOfBudget extends Error {}

export type Page<T> = { items: T[]; nextCursor?: string | null };

/**
 * Reads pages from `start` until the last one (or `maxPages`), each costing one from `budget`, which is shared by
 * everything a catch-up reads; throws OutOfBudget when it runs out first, whatever was read is then discarded.
 */
export async function readPages<T>(
  fetchPage: (cursor: string | null) => Promise<Page<T>>,
  start: string | null,
  budget: { left: number },
  maxPages = Infinity,
): Promise<{ items: T[]; next: string | null }> {
  const items: T[] = [];
  let cursor = start;
  let pages = 0;
  do {
    if (budget.left <= 0) throw new OutOfBudget();
    budget.left--;
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? null;
    pages++;
  } while (cursor && pages < maxPages);
  return { items, next: cursor };
}

/** The thread's position after `m`, as the API's `nextCursor` writes it (`<epoch ms>_<id>`, src/core/messages). */
export const threadCursor = (m: Pick<Message, 'occurredAt' | 'id'>) => `${Date.parse(m.occurredAt)}_${m.id}`;

/** Whether `m` comes before the position `cursor` names (thread order: time, then id; ids are lower-case hex). */
export function isBefore(m: Pick<Message, 'occurredAt' | 'id'>, cursor: string): boolean {
  const [ms, id = ''] = cursor.split('_');
  const at = Date.parse(m.occurredAt);
  return at < Number(ms) || (at === Number(ms) && m.id.toLowerCase() < id.toLowerCase());
}
