import { InboxAutomationInputSchema, InboxAutomationSchema } from '../../core/automation/inbox-automation.js';
import { defineRoute } from '../api/route.js';
import { IdParamsSchema } from '../schemas/common-schemas.js';

/** Per-inbox automation (rating after solve, auto-close, pending reminder, acknowledgement): admins change, supervisors read. */
export const automationRoutes = [
  defineRoute({
    method: 'get',
    path: '/inboxes/:id/automation',
    operationId: 'getInboxAutomation',
    tag: 'inboxes',
    summary: "The inbox's automation settings (defaults when never set: everything off); supervisors read them in the console",
    access: ['admin', 'supervisor'],
    params: IdParamsSchema,
    response: InboxAutomationSchema,
    handler: async ({ core, viewer, params }) => {
      await core.inboxes.get(params.id, viewer);
      return core.automationSettings.get(params.id);
    },
  }),
  defineRoute({
    method: 'put',
    path: '/inboxes/:id/automation',
    operationId: 'putInboxAutomation',
    tag: 'inboxes',
    summary: "Replace the inbox's automation settings (omitted fields take their defaults)",
    access: ['admin'],
    params: IdParamsSchema,
    body: InboxAutomationInputSchema,
    response: InboxAutomationSchema,
    handler: async ({ core, viewer, params, body }) => {
      await core.inboxes.get(params.id, viewer);
      return core.automationSettings.put(params.id, body);
    },
  }),
];
