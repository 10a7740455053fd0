import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';

type NewTicket = Omit<Ticket, 'number' | 'createdAt' | 'updatedAt'>;

/**
 * Inserts a ticket with the next human number. Numbers come from the unique
 * index, not a counter (FerretDB's `$inc` is not atomic): read the highest,
 * try +1, and on a collision try again above it. Gaps are allowed.
 * Inserting with a chosen `_id` that already exists returns that ticket, so a
 * second writer for the same conversation gets the first one's ticket.
 */
export async function insertNumberedTicket(models: Models, doc: NewTicket): Promise<{ ticket: Ticket; created: boolean }> {
  let floor = 0;
  for (let attempt = 1; attempt <= 100; attempt++) {
    const top = await models.Ticket.findOne({}, { number: 1 }).sort({ number: -1 }).lean();
    const number = Math.max(top?.number ?? 0, floor) + 1;
    try {
      const [created] = await models.Ticket.insertMany([{ ...doc, number }]);
      return { ticket: created!.toObject() as Ticket, created: true };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await models.Ticket.findById(new Types.ObjectId(String(doc._id))).lean();
      if (existing) return { ticket: existing, created: false };
      floor = number;
      await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, attempt)));
    }
  }
  throw new Error('could not allocate a ticket number after 100 attempts');
}
