import { Types } from 'mongoose';
import { z } from 'zod';
import { channelKinds } from '../domain/channel-kind.js';
import { ValidationError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import type { Viewer } from '../users/viewer.js';
import { TagSchema } from './tag.js';
import { ticketPriorities, ticketStatuses } from './ticket-enums.js';
import type { OpenWork } from './open-work.js';
import type { OpenWorkEntry } from './open-work-entry.js';
import { escapeRegex, pageOfOpenWork, servedByOpenWork } from './open-work-query.js';
import { visibilityFilter } from './visibility.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');
const csv = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .string()
    .transform((s) => s.split(',').map((v) => v.trim()).filter(Boolean))
    .pipe(z.array(z.enum(values)).min(1));

export const TicketListQuerySchema = z.object({
  status: csv(ticketStatuses).optional(),
  priority: csv(ticketPriorities).optional(),
  channel: csv(channelKinds).optional(),
  inboxId: objectId.optional(),
  departmentId: objectId.optional(),
  assignee: z.union([z.literal('me'), z.literal('unassigned'), objectId]).optional(),
  tag: TagSchema.optional(),
  q: z.string().min(1).max(200).optional(),
  contactId: objectId.optional(),
  /** `exclude`: snoozed tickets stay out until they wake (the open-work views); `only`: the Snoozed view. */
  snoozed: z.enum(['only', 'exclude']).optional(),
  sort: z.enum(['sla', 'lastMessage', 'created']).default('sla'),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(200).optional(),
});
export type TicketListQuery = z.infer<typeof TicketListQuerySchema>;

const sortSpec = {
  sla: { field: 'slaDueAt', dir: 1 },
  lastMessage: { field: 'lastMessageAt', dir: -1 },
  created: { field: 'createdAt', dir: -1 },
} as const;

interface Cursor {
  v: string;
  id: string;
}

/**
 * How long an open-work list waits for the projection being built after a start before it goes to the tickets
 * query instead. Both read every ticket, and the query decodes whole tickets beside the build: at 50,000 tickets
 * lists issued at start took 47–49 s by query (and held the projection back to 57 s), while the build alone takes
 * ~20 s (docs/benchmarks.md). So a list waits as long as a proxy would let it.
 */
const OPEN_WORK_WAIT_MS = 60_000;

/**
 * Keyset pagination: the cursor is the last row's (sort value, _id), so pages never skip or repeat under inserts.
 * Open-work views come from the open-work projection when it is ready, or ready within OPEN_WORK_WAIT_MS (the
 * embedded database); the rest — and everything on MongoDB — from the tickets collection by index.
 */
export async function listTickets(models: Models, viewer: Viewer, query: TicketListQuery, openWork?: OpenWork): Promise<{ items: Array<Ticket | OpenWorkEntry>; nextCursor: string | null }> {
  if (openWork && servedByOpenWork(query) && (await openWork.readyWithin(OPEN_WORK_WAIT_MS))) {
    const sort = sortSpec[query.sort];
    const c = query.cursor ? decodeCursor(query.cursor) : undefined;
    const rows = pageOfOpenWork(await openWork.entries(), viewer, query, sort, c ? { value: new Date(c.v), id: new Types.ObjectId(c.id) } : undefined);
    return pageOf(rows, query.limit, sort.field);
  }
  const and: Record<string, unknown>[] = [visibilityFilter(viewer)];
  if (query.status) and.push({ status: { $in: query.status } });
  if (query.priority) and.push({ priority: { $in: query.priority } });
  if (query.channel) and.push({ channel: { $in: query.channel } });
  if (query.inboxId) and.push({ inboxId: new Types.ObjectId(query.inboxId) });
  if (query.departmentId) and.push({ departmentId: new Types.ObjectId(query.departmentId) });
  if (query.contactId) and.push({ contactId: new Types.ObjectId(query.contactId) });
  if (query.assignee === 'me') and.push({ assigneeId: new Types.ObjectId(viewer.id) });
  else if (query.assignee === 'unassigned') and.push({ assigneeId: { $exists: false } });
  else if (query.assignee) and.push({ assigneeId: new Types.ObjectId(query.assignee) });
  if (query.tag) and.push({ tags: query.tag });
  if (query.snoozed) and.push(snoozedFilter(query.snoozed, new Date()));
  if (query.q) {
    const asNumber = /^#?\d+$/.test(query.q) ? Number(query.q.replace('#', '')) : undefined;
    const bySubject = { subject: { $regex: escapeRegex(query.q), $options: 'i' } };
    and.push(asNumber !== undefined ? { $or: [bySubject, { number: asNumber }] } : bySubject);
  }

  const { field, dir } = sortSpec[query.sort];
  if (query.cursor) {
    const c = decodeCursor(query.cursor);
    const value = new Date(c.v);
    const id = new Types.ObjectId(c.id);
    const op = dir === 1 ? '$gt' : '$lt';
    and.push({ $or: [{ [field]: { [op]: value } }, { [field]: value, _id: { [op]: id } }] });
  }

  const rows = await models.Ticket.find(and.length === 1 ? and[0]! : { $and: and })
    .sort({ [field]: dir, _id: dir })
    .limit(query.limit + 1)
    .lean();
  return pageOf(rows, query.limit, field);
}

function pageOf<T extends Pick<Ticket, '_id' | 'slaDueAt' | 'lastMessageAt' | 'createdAt'>>(rows: T[], limit: number, field: 'slaDueAt' | 'lastMessageAt' | 'createdAt') {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor({ v: last[field].toISOString(), id: String(last._id) }) : null;
  return { items: page, nextCursor };
}

/** A snooze whose time has passed counts as woken even before the un-snooze job ran. */
function snoozedFilter(mode: 'only' | 'exclude', now: Date): Record<string, unknown> {
  return mode === 'only' ? { snoozedUntil: { $gt: now } } : { $or: [{ snoozedUntil: { $exists: false } }, { snoozedUntil: { $lte: now } }] };
}

function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Partial<Cursor>;
    if (typeof c.v === 'string' && !Number.isNaN(Date.parse(c.v)) && typeof c.id === 'string' && Types.ObjectId.isValid(c.id)) {
      return { v: c.v, id: c.id };
    }
  } catch {
    // fall through
  }
  throw new ValidationError('Invalid cursor', [{ path: 'cursor', message: 'not a cursor returned by this API' }]);
}
