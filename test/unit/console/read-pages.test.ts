import { describe, expect, it } from 'vitest';
import { isBefore, OutOfBudget, readPages, threadCursor } from '../../../src/web/console/src/read-pages.js';

/** A console back from a long absence must not spend hundreds of requests catching up (catch-up.ts). */
const pages = (n: number) => async (cursor: string | null) => {
  const i = cursor === null ? 0 : Number(cursor);
  return { items: [i], nextCursor: i + 1 < n ? String(i + 1) : null };
};

describe('readPages', () => {
  it('reads page after page until the last, each page costing one from the shared budget', async () => {
    const budget = { left: 10 };
    await expect(readPages(pages(4), null, budget)).resolves.toEqual({ items: [0, 1, 2, 3], next: null });
    expect(budget.left).toBe(6);
    await expect(readPages(pages(4), '2', budget)).resolves.toEqual({ items: [2, 3], next: null });
    expect(budget.left).toBe(4);
  });

  it('stops at maxPages and returns where the next page starts', async () => {
    await expect(readPages(pages(9), null, { left: 10 }, 3)).resolves.toEqual({ items: [0, 1, 2], next: '3' });
  });

  it('gives up when the budget runs out before the last page, after exactly the budget of reads', async () => {
    let reads = 0;
    const counted = async (c: string | null) => (reads++, pages(1000)(c));
    await expect(readPages(counted, null, { left: 12 })).rejects.toBeInstanceOf(OutOfBudget);
    expect(reads).toBe(12);
  });
});

describe('threadCursor', () => {
  it('writes the position the messages API pages by: epoch milliseconds and the message id', () => {
    expect(threadCursor({ occurredAt: '2026-12-05T23:00:00.123Z', id: '65f0c0ffee0000000000abcd' })).toBe('1796511600123_65f0c0ffee0000000000abcd');
  });
});

describe('isBefore', () => {
  const at = '2026-12-06T02:00:00.000Z';
  const cursor = threadCursor({ occurredAt: at, id: '6750000000000000000000bb' });
  it('orders by time, then by id when the times are equal (as the API pages)', () => {
    expect(isBefore({ occurredAt: '2026-12-06T01:59:59.999Z', id: 'ff50000000000000000000ff' }, cursor)).toBe(true);
    expect(isBefore({ occurredAt: at, id: '6750000000000000000000aa' }, cursor)).toBe(true);
    expect(isBefore({ occurredAt: at, id: '6750000000000000000000bb' }, cursor)).toBe(false);
    expect(isBefore({ occurredAt: at, id: '6750000000000000000000bc' }, cursor)).toBe(false);
    expect(isBefore({ occurredAt: '2026-12-06T02:00:00.001Z', id: '0050000000000000000000aa' }, cursor)).toBe(false);
  });
});
