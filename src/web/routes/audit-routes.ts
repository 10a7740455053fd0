import { defineRoute } from '../api/route.js';
import { IdParamsSchema } from '../schemas/common-schemas.js';
import { AuditQuerySchema } from '../schemas/ticket-schemas.js';

/** Read-only by design: there is no route that writes, edits or deletes an audit event. */
export const auditRoutes = [
  defineRoute({
    method: 'get',
    path: '/tickets/:id/audit',
    operationId: 'getTicketAudit',
    tag: 'audit',
    summary: 'Audit trail of a ticket, in sequence order',
    access: 'user',
    params: IdParamsSchema,
    query: AuditQuerySchema,
    handler: async ({ core, viewer, params, query }) => ({ items: await core.tickets.auditTrail(viewer, params.id, query.afterSeq, query.limit) }),
  }),
  defineRoute({
    method: 'get',
    path: '/tickets/:id/audit/verify',
    operationId: 'verifyTicketAudit',
    tag: 'audit',
    summary: 'Recompute the hash chain of a ticket and report altered or missing events',
    access: 'user',
    params: IdParamsSchema,
    handler: ({ core, viewer, params }) => core.tickets.verifyAudit(viewer, params.id),
  }),
];
