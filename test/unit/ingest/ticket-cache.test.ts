import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { TicketCache } from '../../../src/core/ingest/ticket-cache.js';
import type { Ticket } from '../../../src/core/models/ticket.js';
import { TicketLocks } from '../../../src/core/tickets/ticket-locks.js';

const ticket = (over: Partial<Ticket> = {}) => ({ _id: new Types.ObjectId(), status: 'open', rev: 3, ...over }) as Ticket;

describe('TicketCache', () => {
  it('offers a copy until a locked write of this process to that ticket ends', async () => {
    const locks = new TicketLocks();
    const cache = new TicketCache(locks);
    const t = ticket();
    cache.remember(t, locks.stamp());
    await locks.run('another ticket', async () => undefined);
    expect(cache.get(t._id)).toBe(t);
    await locks.run(String(t._id), async () => undefined);
    expect(cache.get(t._id)).toBeUndefined();
  });

  it("a copy written in a locked section stays current after that section, not after the next one", async () => {
    const locks = new TicketLocks();
    const cache = new TicketCache(locks);
    const t = ticket();
    const { stamp } = await locks.runStamped(String(t._id), async () => undefined);
    cache.remember(t, stamp);
    expect(cache.get(t._id)).toBe(t);
    await locks.run(String(t._id), async () => undefined);
    expect(cache.get(t._id)).toBeUndefined();
  });

  it('keeps only tickets a customer message changes nothing on but timestamps', () => {
    const locks = new TicketLocks();
    const cache = new TicketCache(locks);
    const kept = [ticket({ status: 'new' }), ticket({ status: 'open' })];
    const refused = [
      ticket({ status: 'pending' }),
      ticket({ status: 'on-hold' }),
      ticket({ status: 'solved' }),
      ticket({ status: 'closed' }),
      ticket({ status: 'open', snoozedUntil: new Date() }),
      ticket({ status: 'open', mergedInto: new Types.ObjectId() }),
    ];
    for (const t of [...kept, ...refused]) cache.remember(t, locks.stamp());
    expect(kept.map((t) => cache.get(t._id))).toEqual(kept);
    expect(refused.map((t) => cache.get(t._id))).toEqual(refused.map(() => undefined));
    // A kept ticket that became a waiting one is dropped when remembered so.
    cache.remember({ ...kept[1]!, status: 'pending' }, locks.stamp());
    expect(cache.get(kept[1]!._id)).toBeUndefined();
  });
});
