import { Types } from 'mongoose';
import { ValidationError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';

/**
 * A ticket's messages (including those of tickets merged into it) in platform
 * order, paged forward by `(occurredAt, _id)`.
 */
export async function listThread(models: Models, ticket: Ticket, opts: { after?: string; limit: number }) {
  const ticketIds = [ticket._id, ...ticket.mergedTicketIds];
  const filter: Record<string, unknown> = { ticketId: { $in: ticketIds } };
  if (opts.after) {
    const [at, id] = opts.after.split('_');
    if (!at || !id || Number.isNaN(Number(at)) || !Types.ObjectId.isValid(id)) {
      throw new ValidationError('Invalid cursor', [{ path: 'after', message: 'not a cursor returned by this API' }]);
    }
    const when = new Date(Number(at));
    filter.$or = [{ occurredAt: { $gt: when } }, { occurredAt: when, _id: { $gt: new Types.ObjectId(id) } }];
  }
  const rows = await models.Message.find(filter).sort({ occurredAt: 1, _id: 1 }).limit(opts.limit + 1).lean();
  const items = rows.slice(0, opts.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > opts.limit && last ? `${last.occurredAt.getTime()}_${String(last._id)}` : null };
}
