import { z } from 'zod';
import { MacroInputSchema } from '../../core/macros/macro.js';
import { ClientMessageIdSchema } from '../../core/outbound/send-once.js';
import { defineRoute } from '../api/route.js';
import { IdParamsSchema } from '../schemas/common-schemas.js';
import { toTicketDetailView } from '../views/ticket-detail-view.js';

const ApplyParamsSchema = z.object({ id: z.string().regex(/^[0-9a-f]{24}$/i), macroId: z.string().regex(/^[0-9a-f]{24}$/i) });
/** Optional: a key makes a retried application send the macro's reply once (the ticket changes are idempotent already). */
const ApplyBodySchema = z.object({ clientMessageId: ClientMessageIdSchema.optional() }).optional();

/** Macros: every agent lists and applies them; admins create, change and delete them. */
export const macroRoutes = [
  defineRoute({
    method: 'get',
    path: '/macros',
    operationId: 'listMacros',
    tag: 'macros',
    summary: 'All macros, by name',
    access: 'user',
    handler: async ({ core }) => ({ items: await core.macros.list() }),
  }),
  defineRoute({
    method: 'post',
    path: '/macros',
    operationId: 'createMacro',
    tag: 'macros',
    summary: 'Create a macro (name unique; at least one action)',
    access: ['admin'],
    body: MacroInputSchema,
    status: 201,
    handler: ({ core, viewer, body }) => core.macros.create(viewer, body),
  }),
  defineRoute({
    method: 'put',
    path: '/macros/:id',
    operationId: 'updateMacro',
    tag: 'macros',
    summary: 'Replace a macro',
    access: ['admin'],
    params: IdParamsSchema,
    body: MacroInputSchema,
    handler: ({ core, viewer, params, body }) => core.macros.update(viewer, params.id, body),
  }),
  defineRoute({
    method: 'delete',
    path: '/macros/:id',
    operationId: 'deleteMacro',
    tag: 'macros',
    summary: 'Delete a macro',
    access: ['admin'],
    params: IdParamsSchema,
    status: 204,
    handler: ({ core, viewer, params }) => core.macros.remove(viewer, params.id),
  }),
  defineRoute({
    method: 'post',
    path: '/tickets/:id/macros/:macroId',
    operationId: 'applyMacro',
    tag: 'macros',
    summary:
      'Run a macro on a ticket: the reply, then status/priority/tags as one audited change (macro.applied). Each run sends ' +
      'its reply again; with `clientMessageId`, a resent run sends it once (the changes apply once anyway)',
    access: 'user',
    params: ApplyParamsSchema,
    body: ApplyBodySchema,
    handler: async ({ core, viewer, params, body }) => {
      const { ticket, replyId } = await core.macros.apply(viewer, params.macroId, params.id, body?.clientMessageId);
      return { ticket: await toTicketDetailView(core, viewer, ticket), replyId };
    },
  }),
];
