import { Types } from 'mongoose';
import { ValidationError } from '../errors/app-error.js';
import type { Message } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { readThreadByEntries, type ThreadPosition } from './thread-entries.js';

/**
 * A ticket's messages (including those of tickets merged into it) in platform
 * order, paged forward by `(occurredAt, _id)`. `byEntries` (the embedded
 * database) reads them by `_id` through their thread entries when every
 * ticket's entries are complete; otherwise, and on MongoDB, the query by
 * `(ticketId, occurredAt)` answers. Both give the same page and cursor.
 */
export async function listThread(models: Models, ticket: Ticket, opts: { after?: string; limit: number; byEntries?: boolean }) {
  const ticketIds = [ticket._id, ...ticket.mergedTicketIds];
  let after: ThreadPosition | undefined;
  if (opts.after) {
    const [at, id, extra] = opts.after.split('_');
    // Exactly what nextCursor writes (epoch milliseconds, an id): `Infinity`, `1e400` or ` ` are numbers to
    // Number() but no position, and an invalid Date in the query served the first page instead of a 400.
    const ms = at && /^\d{1,15}$/.test(at) ? Number(at) : NaN;
    if (extra !== undefined || !Number.isFinite(new Date(ms).getTime()) || !id || !/^[0-9a-f]{24}$/i.test(id)) {
      throw new ValidationError('Invalid cursor', [{ path: 'after', message: 'not a cursor returned by this API' }]);
    }
    after = { at: new Date(ms), id: new Types.ObjectId(id) };
  }
  const rows =
    (opts.byEntries
      ? await readThreadByEntries<Message>(models, ticketIds, new Set(ticket.threadEntries ? [String(ticket._id)] : []), after, opts.limit + 1, (id) =>
          models.Message.findOne({ _id: id }).lean(),
        )
      : null) ?? (await byQuery(models, ticketIds, after, opts.limit + 1));
  const items = rows.slice(0, opts.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > opts.limit && last ? `${last.occurredAt.getTime()}_${String(last._id)}` : null };
}

function byQuery(models: Models, ticketIds: Types.ObjectId[], after: ThreadPosition | undefined, take: number): Promise<Message[]> {
  const filter: Record<string, unknown> = { ticketId: { $in: ticketIds } };
  if (after) filter.$or = [{ occurredAt: { $gt: after.at } }, { occurredAt: after.at, _id: { $gt: after.id } }];
  return models.Message.find(filter).sort({ occurredAt: 1, _id: 1 }).limit(take).lean();
}
