import type { Types } from 'mongoose';
import type { Models } from '../models/registry.js';
import type { Viewer } from '../users/viewer.js';
import { seesAllTickets } from '../users/viewer.js';
import { canSee } from './visibility.js';

/**
 * Whether the viewer may see a ticket another one names (the one a follow-up follows). A ticket the
 * viewer may see can point at one they may not — the customer's earlier conversation on the same inbox,
 * transferred since to another department — and is shown without that pointer, as if there were none:
 * neither its id nor its number tells them it exists (hidden tickets are 404 everywhere).
 */
export async function seesLinkedTicket(models: Models, viewer: Viewer, id: Types.ObjectId | undefined): Promise<boolean> {
  if (!id) return false;
  if (seesAllTickets(viewer)) return true;
  const linked = await models.Ticket.findById(id, { departmentId: 1, assigneeId: 1 }).lean();
  return linked !== null && canSee(viewer, linked);
}

/**
 * An audit entry's data as shown: `ticket.created` of a follow-up names the ticket it follows (`followUpOf`,
 * its number), left out when `hidePrevious`. The stored entry and its hash are unchanged (the chain is
 * verified on the server, `verifyAudit`).
 */
export function withoutHiddenLinks(data: Record<string, unknown>, type: string, hidePrevious: boolean): Record<string, unknown> {
  if (!hidePrevious || type !== 'ticket.created' || !('followUpOf' in data)) return data;
  const { followUpOf: _hidden, ...shown } = data;
  return shown;
}
