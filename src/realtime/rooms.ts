import type { Viewer } from '../core/users/viewer.js';
import { seesAllTickets } from '../core/users/viewer.js';

/**
 * Room names. A socket is joined to rooms by the server only, from its Viewer;
 * the rooms a ticket's events go to are derived from the ticket's scope with
 * exactly the rule of `canSee` (src/core/tickets/visibility.ts):
 *   supervisors/admins → `supervisors`; no department → `triage` (every agent);
 *   assignee → `user:<id>`; department → `department:<id>`.
 */
export const rooms = {
  agents: 'agents',
  supervisors: 'supervisors',
  /** Admins only: pairing material (a WhatsApp QR code) goes nowhere else. */
  admins: 'admins',
  triage: 'triage',
  user: (id: string) => `user:${id}`,
  department: (id: string) => `department:${id}`,
  ticket: (id: string) => `ticket:${id}`,
};

export function roomsForViewer(v: Viewer): string[] {
  const out = [rooms.agents, rooms.user(v.id), rooms.triage, ...v.departmentIds.map(rooms.department)];
  if (seesAllTickets(v)) out.push(rooms.supervisors);
  if (v.role === 'admin') out.push(rooms.admins);
  return out;
}

export interface Scope {
  ticketId: string;
  departmentId: string | null;
  assigneeId: string | null;
}

export function roomsForScope(s: Scope): string[] {
  const out = [rooms.supervisors];
  out.push(s.departmentId ? rooms.department(s.departmentId) : rooms.triage);
  if (s.assigneeId) out.push(rooms.user(s.assigneeId));
  return out;
}
