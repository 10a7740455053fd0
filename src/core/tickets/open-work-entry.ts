import type { Types } from 'mongoose';
import type { Ticket } from '../models/ticket.js';
import { activeStatuses, type TicketStatus } from './ticket-enums.js';

/**
 * Statuses the projection holds: open work, and solved tickets until they close — a solved ticket may still
 * reopen, auto-close or be due a rating request, and the Solved view is one agents use every day. Closed
 * tickets are history and go to the tickets query.
 */
export const heldStatuses: readonly TicketStatus[] = [...activeStatuses, 'solved'];

/** What the inbox lists, filters and sorts on: one small copy per ticket in the open-work projection. */
export type OpenWorkEntry = Pick<
  Ticket,
  | '_id'
  | 'number'
  | 'subject'
  | 'status'
  | 'priority'
  | 'channel'
  | 'inboxId'
  | 'contactId'
  | 'departmentId'
  | 'assigneeId'
  | 'tags'
  | 'lastMessageAt'
  | 'slaDueAt'
  | 'createdAt'
  | 'updatedAt'
  | 'snoozedUntil'
  | 'lastMessagePreview'
  | 'solvedAt'
  /** The supervisors' live board (who waits for an answer), loaded from the projection at start. */
  | 'lastCustomerMessageAt'
>;

export const openWorkFields = {
  number: 1,
  subject: 1,
  status: 1,
  priority: 1,
  channel: 1,
  inboxId: 1,
  contactId: 1,
  departmentId: 1,
  assigneeId: 1,
  tags: 1,
  lastMessageAt: 1,
  slaDueAt: 1,
  createdAt: 1,
  updatedAt: 1,
  snoozedUntil: 1,
  lastMessagePreview: 1,
  solvedAt: 1,
  lastCustomerMessageAt: 1,
  mergedInto: 1,
} as const;

/** Held in the projection: a ticket still waiting on someone (new, open, pending, on hold; snoozed ones too), or solved and not yet closed. */
export function isOpenWork(t: Pick<Ticket, 'status' | 'mergedInto'>): boolean {
  return heldStatuses.includes(t.status) && !t.mergedInto;
}

export function toOpenWorkEntry(t: OpenWorkEntry): OpenWorkEntry {
  const e: OpenWorkEntry = {
    _id: t._id,
    number: t.number,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    channel: t.channel,
    inboxId: t.inboxId,
    contactId: t.contactId,
    tags: [...(t.tags ?? [])],
    lastMessageAt: t.lastMessageAt,
    slaDueAt: t.slaDueAt,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
  };
  if (t.departmentId) e.departmentId = t.departmentId as Types.ObjectId;
  if (t.assigneeId) e.assigneeId = t.assigneeId as Types.ObjectId;
  if (t.snoozedUntil) e.snoozedUntil = t.snoozedUntil;
  if (t.lastMessagePreview) e.lastMessagePreview = t.lastMessagePreview;
  if (t.solvedAt) e.solvedAt = t.solvedAt;
  if (t.lastCustomerMessageAt) e.lastCustomerMessageAt = t.lastCustomerMessageAt;
  return e;
}
