import { Types } from 'mongoose';
import type { Ticket } from '../models/ticket.js';
import { seesAllTickets, type Viewer } from '../users/viewer.js';

/**
 * Agents see tickets of their departments, tickets assigned to them, and
 * tickets with no department yet (the shared triage queue). Supervisors and
 * admins see everything. Used for every read, so a hidden ticket is a 404.
 */
export function visibilityFilter(viewer: Viewer): Record<string, unknown> {
  if (seesAllTickets(viewer)) return {};
  return {
    $or: [
      { departmentId: { $in: viewer.departmentIds.map((d) => new Types.ObjectId(d)) } },
      { departmentId: { $exists: false } },
      { assigneeId: new Types.ObjectId(viewer.id) },
    ],
  };
}

/** `t`: a ticket, or its department and assignee ids as strings (the in-memory indexes keep those). */
export function canSee(viewer: Viewer, t: Pick<Ticket, 'departmentId' | 'assigneeId'> | { departmentId?: string | undefined; assigneeId?: string | undefined }): boolean {
  if (seesAllTickets(viewer)) return true;
  if (!t.departmentId) return true;
  if (t.assigneeId && String(t.assigneeId) === viewer.id) return true;
  return viewer.departmentIds.includes(String(t.departmentId));
}
