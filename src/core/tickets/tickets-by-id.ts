import { Types } from 'mongoose';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';

/** Lookups sent at once: enough to keep the database busy, few enough to leave the pool to ingest. */
const WIDTH = 8;

/**
 * Whole tickets by `_id`, a few lookups at a time, in the order asked; ones that no longer exist are left out.
 * The embedded FerretDB serves a single `_id` equality from an index, but reads the whole collection for an
 * `$in`, so a short list of ids found elsewhere (the open-work projection) is fetched this way.
 */
export async function ticketsById(models: Models, ids: Array<Types.ObjectId | string>): Promise<Ticket[]> {
  const found: Ticket[] = [];
  for (let i = 0; i < ids.length; i += WIDTH) {
    const batch = await Promise.all(ids.slice(i, i + WIDTH).map((id) => models.Ticket.findOne({ _id: new Types.ObjectId(String(id)) }).lean<Ticket>()));
    for (const t of batch) if (t) found.push(t);
  }
  return found;
}
