import type { Types } from 'mongoose';
import type { Viewer } from '../users/viewer.js';
import { heldStatuses, type OpenWorkEntry } from './open-work-entry.js';
import { canSee } from './visibility.js';

/** The list filters (`TicketListQuery` in ticket-queries.ts, which imports this file). */
export interface OpenWorkListQuery {
  status?: string[];
  priority?: string[];
  channel?: string[];
  inboxId?: string;
  departmentId?: string;
  assignee?: string;
  tag?: string;
  q?: string;
  contactId?: string;
  snoozed?: 'only' | 'exclude';
  limit: number;
}

/**
 * Whether the open-work projection holds every ticket this list could return:
 * only held statuses asked for (open work, solved). A contact's tickets (any
 * status, the contact page) and history views (closed, or no status filter) go
 * to the tickets query.
 */
export function servedByOpenWork(query: OpenWorkListQuery): boolean {
  return Boolean(query.status?.length && query.status.every((s) => (heldStatuses as readonly string[]).includes(s)) && !query.contactId);
}

export const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The same page `listTickets` would return from the tickets collection — same
 * filters, same visibility rule (`canSee`, the in-memory twin of
 * `visibilityFilter`), same (sort value, _id) order and keyset cursor — computed
 * over the projection's entries.
 */
export function pageOfOpenWork(
  entries: OpenWorkEntry[],
  viewer: Viewer,
  query: OpenWorkListQuery,
  sort: { field: 'slaDueAt' | 'lastMessageAt' | 'createdAt'; dir: 1 | -1 },
  after: { value: Date; id: Types.ObjectId } | undefined,
): OpenWorkEntry[] {
  const statuses = new Set<string>(query.status);
  const priorities = query.priority ? new Set<string>(query.priority) : undefined;
  const channels = query.channel ? new Set<string>(query.channel) : undefined;
  const subject = query.q ? new RegExp(escapeRegex(query.q), 'i') : undefined;
  const number = query.q && /^#?\d+$/.test(query.q) ? Number(query.q.replace('#', '')) : undefined;
  const str = (v: unknown) => (v ? String(v) : undefined);
  const now = Date.now();
  // As `snoozedFilter` of the tickets query: a snooze time that has passed counts as woken.
  const snoozedNow = (t: OpenWorkEntry) => Boolean(t.snoozedUntil && t.snoozedUntil.getTime() > now);
  const keep = (t: OpenWorkEntry) => {
    if (!canSee(viewer, t)) return false;
    if (!statuses.has(t.status)) return false;
    if (priorities && !priorities.has(t.priority)) return false;
    if (channels && !channels.has(t.channel)) return false;
    if (query.inboxId && str(t.inboxId) !== query.inboxId) return false;
    if (query.departmentId && str(t.departmentId) !== query.departmentId) return false;
    if (query.assignee === 'me' && str(t.assigneeId) !== viewer.id) return false;
    if (query.assignee === 'unassigned' && t.assigneeId) return false;
    if (query.assignee && query.assignee !== 'me' && query.assignee !== 'unassigned' && str(t.assigneeId) !== query.assignee) return false;
    if (query.tag && !t.tags.includes(query.tag)) return false;
    if (query.snoozed === 'only' && !snoozedNow(t)) return false;
    if (query.snoozed === 'exclude' && snoozedNow(t)) return false;
    if (subject && !(subject.test(t.subject) || (number !== undefined && t.number === number))) return false;
    return true;
  };
  const { field, dir } = sort;
  const compare = (a: OpenWorkEntry, b: OpenWorkEntry) => {
    const d = a[field].getTime() - b[field].getTime();
    if (d !== 0) return d * dir;
    const ia = String(a._id);
    const ib = String(b._id);
    return (ia < ib ? -1 : ia > ib ? 1 : 0) * dir;
  };
  let rows = entries.filter(keep);
  if (after) {
    const pivot = { [field]: after.value, _id: after.id } as unknown as OpenWorkEntry;
    rows = rows.filter((t) => compare(t, pivot) > 0);
  }
  return rows.sort(compare).slice(0, query.limit + 1);
}
