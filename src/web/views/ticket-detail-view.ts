import type { Core } from '../../core/create-core.js';
import { toTicketSummary } from '../../core/events/views.js';
import type { Ticket } from '../../core/models/ticket.js';
import type { Viewer } from '../../core/users/viewer.js';
import { toContactView } from './contact-view.js';
import { idOrNull, isoOrNull } from './iso.js';

/**
 * One ticket with everything the detail pane needs: SLA targets and times,
 * the contact, and the names of its inbox, department and assignee. The
 * caller has already checked the viewer may see the ticket; the ticket it
 * follows up is named only to a viewer who may see that one too.
 */
export async function toTicketDetailView(core: Core, viewer: Viewer, t: Ticket) {
  const { contact, inbox, department, assignee, previousVisible } = await core.ticketContext.of(t, viewer);
  return {
    ...toTicketSummary(t),
    type: t.type ?? null,
    replyTo: { handle: t.replyTo.handle, displayName: t.replyTo.displayName ?? null, email: t.replyTo.email ?? null },
    sla: {
      policy: t.sla.policy,
      firstResponseDueAt: isoOrNull(t.sla.firstResponseDueAt),
      resolutionDueAt: isoOrNull(t.sla.resolutionDueAt),
      policyName: t.sla.policyName ?? 'Default',
      nextResponseDueAt: isoOrNull(t.sla.nextResponseDueAt),
      pausedAt: isoOrNull(t.sla.pausedAt),
    },
    firstResponseAt: isoOrNull(t.firstResponseAt),
    solvedAt: isoOrNull(t.solvedAt),
    closedAt: isoOrNull(t.closedAt),
    snoozedUntil: isoOrNull(t.snoozedUntil),
    lastCustomerMessageAt: isoOrNull(t.lastCustomerMessageAt),
    reopenCount: t.reopenCount,
    csat: t.csat
      ? { rating: t.csat.rating ?? null, comment: t.csat.comment ?? null, requestedAt: t.csat.requestedAt.toISOString(), ratedAt: isoOrNull(t.csat.ratedAt) }
      : null,
    previousTicketId: previousVisible ? idOrNull(t.previousTicketId) : null,
    mergedInto: idOrNull(t.mergedInto),
    mergedTicketIds: t.mergedTicketIds.map(String),
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    contact: contact ? toContactView(contact) : null,
    inbox: inbox ? { id: String(inbox._id), name: inbox.name, kind: inbox.kind } : null,
    department: department ? { id: String(department._id), name: department.name } : null,
    assignee: assignee ? { id: String(assignee._id), name: assignee.name } : null,
  };
}
