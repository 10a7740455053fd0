import { z } from 'zod';
import { TicketSummarySchema } from '../../core/events/domain-events.js';
import { toTicketSummary } from '../../core/events/views.js';
import { TicketSearchQuerySchema } from '../../core/tickets/ticket-search.js';
import { defineRoute } from '../api/route.js';

const TicketSearchPageSchema = z.object({ items: z.array(TicketSummarySchema), partial: z.boolean() });

/** Ticket search over subject, number, contact and message bodies (accent- and case-insensitive prefixes). */
export const ticketSearchRoutes = [
  defineRoute({
    method: 'get',
    path: '/search/tickets',
    operationId: 'searchTickets',
    tag: 'tickets',
    summary: 'Visible tickets whose subject, number, contact or messages have words starting with every term of q (newest first)',
    access: 'user',
    query: TicketSearchQuerySchema,
    response: TicketSearchPageSchema,
    handler: async ({ core, viewer, query }) => {
      const result = await core.search.tickets(viewer, query);
      return { items: result.items.map(toTicketSummary), partial: result.partial };
    },
  }),
];
