import type { Types } from 'mongoose';
import { findByIds } from '../db/find-by-ids.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';

/** Whole tickets by `_id` (`findByIds`), in the order asked; ones that no longer exist are left out. */
export async function ticketsById(models: Models, ids: Array<Types.ObjectId | string>): Promise<Ticket[]> {
  return (await findByIds<Ticket>(models.Ticket, ids)).filter((t): t is Ticket => t !== null);
}
