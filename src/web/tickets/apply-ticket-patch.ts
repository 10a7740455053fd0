import type { Core } from '../../core/create-core.js';
import { ValidationError } from '../../core/errors/app-error.js';
import type { Ticket } from '../../core/models/ticket.js';
import type { Viewer } from '../../core/users/viewer.js';
import type { TicketPatch } from '../schemas/ticket-schemas.js';

/**
 * Applies a PATCH through the matching TicketService operations, in a fixed
 * order: status, priority, type, tags, snooze, then assignee and department
 * last, so a change that moves the ticket out of the agent's sight comes after
 * everything else. Each operation is its own audited change. What the caller got
 * wrong (a past snooze time, an unknown or inactive assignee, an unknown
 * department) is refused before the first change, so a 400 changes nothing; a
 * conflict found by an operation itself (a closed or merged ticket, a concurrent
 * change) leaves the operations before it applied (and audited).
 */
export async function applyTicketPatch(core: Core, viewer: Viewer, id: string, patch: TicketPatch): Promise<Ticket> {
  const { tickets } = core;
  // Checked up front (the service checks it too) so a past time changes nothing else.
  if (patch.snoozedUntil && Date.parse(patch.snoozedUntil) <= Date.now()) {
    throw new ValidationError('Snooze time must be in the future', [{ path: 'snoozedUntil', message: 'must be in the future' }]);
  }
  let ticket = await tickets.get(viewer, id);
  if (patch.assigneeId !== undefined) await tickets.assigneeNameOf(patch.assigneeId);
  if (patch.departmentId !== undefined) await tickets.departmentNameOf(patch.departmentId);
  if (patch.status !== undefined) ticket = await tickets.setStatus(viewer, id, patch.status);
  if (patch.priority !== undefined) ticket = await tickets.setPriority(viewer, id, patch.priority);
  if (patch.type !== undefined) ticket = await tickets.setType(viewer, id, patch.type);
  if (patch.addTags !== undefined || patch.removeTags !== undefined) ticket = await tickets.changeTags(viewer, id, patch.addTags ?? [], patch.removeTags ?? []);
  if (patch.snoozedUntil !== undefined) ticket = await tickets.snooze(viewer, id, patch.snoozedUntil === null ? null : new Date(patch.snoozedUntil));
  if (patch.assigneeId !== undefined) ticket = await tickets.assign(viewer, id, patch.assigneeId);
  if (patch.departmentId !== undefined) ticket = await tickets.transfer(viewer, id, patch.departmentId);
  return ticket;
}
