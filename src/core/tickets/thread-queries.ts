import { Types } from 'mongoose';
import { ValidationError } from '../errors/app-error.js';
import type { Message } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { readThreadByEntries, type ThreadPosition } from './thread-entries.js';

/** Where a page of a thread starts: forward after a cursor (from the first message without one), or backward. */
export interface ThreadRange {
  /** The page after this position (`nextCursor` of the page before it). */
  after?: string;
  /** The page just before this position (`prevCursor` of the page after it), or `'end'`: the newest page. */
  before?: string;
  limit: number;
}

export interface ThreadPage {
  /** Always in chronological order, whichever way the page was read. */
  items: Message[];
  /** Forward reads: the `after` of the next page, null at the end. Null on backward reads. */
  nextCursor: string | null;
  /** Backward reads: the `before` of the page before this one, null at the beginning. Null on forward reads. */
  prevCursor: string | null;
}

/** The position the API's cursors write: `<epoch ms>_<message id>`. */
const cursorOf = (m: Message) => `${m.occurredAt.getTime()}_${String(m._id)}`;

function position(cursor: string, field: 'after' | 'before'): ThreadPosition {
  const [at, id, extra] = cursor.split('_');
  // Exactly what cursorOf writes (epoch milliseconds, an id): `Infinity`, `1e400` or ` ` are numbers to
  // Number() but no position, and an invalid Date in the query served the first page instead of a 400.
  const ms = at && /^\d{1,15}$/.test(at) ? Number(at) : NaN;
  if (extra !== undefined || !Number.isFinite(new Date(ms).getTime()) || !id || !/^[0-9a-f]{24}$/i.test(id)) {
    throw new ValidationError('Invalid cursor', [{ path: field, message: 'not a cursor returned by this API' }]);
  }
  return { at: new Date(ms), id: new Types.ObjectId(id) };
}

/**
 * A ticket's messages (including those of tickets merged into it) in platform
 * order, paged by `(occurredAt, _id)`: forward from the first message or after
 * a cursor, or backward from the newest (`before: 'end'`) or before a cursor, so
 * a console can open a long thread at its end. `byEntries` (the embedded
 * database) reads them by `_id` through their thread entries when every
 * ticket's entries are complete; otherwise, and on MongoDB, the query by
 * `(ticketId, occurredAt)` answers. Both give the same page and cursors.
 */
export async function listThread(models: Models, ticket: Ticket, opts: ThreadRange & { byEntries?: boolean }): Promise<ThreadPage> {
  if (opts.after !== undefined && opts.before !== undefined) {
    throw new ValidationError('Invalid thread range', [{ path: 'before', message: 'not with after: a page is read one way' }]);
  }
  const ticketIds = [ticket._id, ...ticket.mergedTicketIds];
  const after = opts.after ? position(opts.after, 'after') : undefined;
  const before = opts.before === undefined ? undefined : opts.before === 'end' ? 'end' : position(opts.before, 'before');
  const take = opts.limit + 1;
  const rows =
    (opts.byEntries
      ? await readThreadByEntries<Message>(
          models,
          ticketIds,
          new Set(ticket.threadEntries ? [String(ticket._id)] : []),
          after,
          take,
          (id) => models.Message.findOne({ _id: id }).lean(),
          before,
        )
      : null) ?? (await byQuery(models, ticketIds, after, before, take));
  if (before) {
    // One more than the page was read, the oldest first: there are older messages when it is there.
    const items = rows.slice(Math.max(0, rows.length - opts.limit));
    const first = items[0];
    return { items, nextCursor: null, prevCursor: rows.length > opts.limit && first ? cursorOf(first) : null };
  }
  const items = rows.slice(0, opts.limit);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > opts.limit && last ? cursorOf(last) : null, prevCursor: null };
}

async function byQuery(models: Models, ticketIds: Types.ObjectId[], after: ThreadPosition | undefined, before: ThreadPosition | 'end' | undefined, take: number): Promise<Message[]> {
  const filter: Record<string, unknown> = { ticketId: { $in: ticketIds } };
  if (after) filter.$or = [{ occurredAt: { $gt: after.at } }, { occurredAt: after.at, _id: { $gt: after.id } }];
  if (!before) return models.Message.find(filter).sort({ occurredAt: 1, _id: 1 }).limit(take).lean();
  // Backward: the same index read from its other end, the page turned back into thread order.
  if (before !== 'end') filter.$or = [{ occurredAt: { $lt: before.at } }, { occurredAt: before.at, _id: { $lt: before.id } }];
  const newestFirst: Message[] = await models.Message.find(filter).sort({ occurredAt: -1, _id: -1 }).limit(take).lean();
  return newestFirst.reverse();
}
