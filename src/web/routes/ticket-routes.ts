import { TicketSummarySchema } from '../../core/events/domain-events.js';
import { toTicketSummary } from '../../core/events/views.js';
import { TicketListQuerySchema } from '../../core/tickets/ticket-queries.js';
import { SplitSchema } from '../../core/tickets/ticket-split.js';
import { z } from 'zod';
import { defineRoute } from '../api/route.js';
import { IdParamsSchema, MergeSchema } from '../schemas/common-schemas.js';
import { TicketPatchSchema } from '../schemas/ticket-schemas.js';
import { applyTicketPatch } from '../tickets/apply-ticket-patch.js';
import { toTicketDetailView } from '../views/ticket-detail-view.js';

const TicketPageSchema = z.object({ items: z.array(TicketSummarySchema), nextCursor: z.string().nullable() });

/** Tickets the viewer may see; a hidden ticket is a 404 everywhere (TicketService decides). */
export const ticketRoutes = [
  defineRoute({
    method: 'get',
    path: '/tickets',
    operationId: 'listTickets',
    tag: 'tickets',
    summary: 'List visible tickets with filters, sort and cursor pagination',
    access: 'user',
    query: TicketListQuerySchema,
    response: TicketPageSchema,
    handler: async ({ core, viewer, query }) => {
      const page = await core.tickets.list(viewer, query);
      return { items: page.items.map(toTicketSummary), nextCursor: page.nextCursor };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/tickets/:id',
    operationId: 'getTicket',
    tag: 'tickets',
    summary: 'Ticket detail: SLA targets and times, contact, inbox, department and assignee',
    access: 'user',
    params: IdParamsSchema,
    handler: async ({ core, viewer, params }) => toTicketDetailView(core, viewer, await core.tickets.get(viewer, params.id)),
  }),
  defineRoute({
    method: 'patch',
    path: '/tickets/:id',
    operationId: 'updateTicket',
    tag: 'tickets',
    summary: 'Change status, priority, type, tags, snooze, assignee and/or department (one audit event per change)',
    access: 'user',
    params: IdParamsSchema,
    body: TicketPatchSchema,
    handler: async ({ core, viewer, params, body }) => toTicketDetailView(core, viewer, await applyTicketPatch(core, viewer, params.id, body)),
  }),
  defineRoute({
    method: 'post',
    path: '/tickets/:id/call',
    operationId: 'callBack',
    tag: 'tickets',
    summary: "Call the customer back: the inbox's agent phone rings, then the customer (phone-call tickets only)",
    access: 'user',
    params: IdParamsSchema,
    status: 202,
    handler: async ({ core, viewer, params }) => core.callBack.callBack(viewer, params.id),
  }),
  defineRoute({
    method: 'post',
    path: '/tickets/:id/merge',
    operationId: 'mergeTicket',
    tag: 'tickets',
    summary: 'Merge this ticket into targetId; both histories are kept',
    access: 'user',
    params: IdParamsSchema,
    body: MergeSchema,
    handler: async ({ core, viewer, params, body }) => toTicketDetailView(core, viewer, await core.tickets.merge(viewer, params.id, body.targetId)),
  }),
  defineRoute({
    method: 'post',
    path: '/tickets/:id/split',
    operationId: 'splitTicket',
    tag: 'tickets',
    summary: 'Move messages of this ticket (notes too) to a new ticket or to targetTicketId; audited on both; answers with the target',
    access: 'user',
    params: IdParamsSchema,
    body: SplitSchema,
    handler: async ({ core, viewer, params, body }) => toTicketDetailView(core, viewer, await core.ticketSplit.split(viewer, params.id, body)),
  }),
];
