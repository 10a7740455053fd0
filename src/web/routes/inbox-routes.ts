import { CreateInboxSchema, UpdateInboxSchema } from '../../core/inboxes/inbox-service.js';
import { defineRoute } from '../api/route.js';
import { IdParamsSchema } from '../schemas/common-schemas.js';

/** Channel accounts. Secrets are write-only: responses carry `secretKeys` (names), never values. */
export const inboxRoutes = [
  defineRoute({
    method: 'get',
    path: '/inboxes',
    operationId: 'listInboxes',
    tag: 'inboxes',
    summary: 'All inboxes with health; secret values are never returned',
    access: 'user',
    handler: async ({ core, viewer }) => ({ items: await core.inboxes.list(viewer) }),
  }),
  defineRoute({
    method: 'get',
    path: '/inboxes/:id',
    operationId: 'getInbox',
    tag: 'inboxes',
    summary: 'One inbox; secret values are never returned',
    access: 'user',
    params: IdParamsSchema,
    handler: ({ core, params, viewer }) => core.inboxes.get(params.id, viewer),
  }),
  defineRoute({
    method: 'post',
    path: '/inboxes',
    operationId: 'createInbox',
    tag: 'inboxes',
    summary: 'Create an inbox; `secrets` are stored encrypted (AES-256-GCM)',
    access: ['admin'],
    body: CreateInboxSchema,
    status: 201,
    handler: ({ core, viewer, body }) => core.inboxes.create(viewer, body),
  }),
  defineRoute({
    method: 'patch',
    path: '/inboxes/:id',
    operationId: 'updateInbox',
    tag: 'inboxes',
    summary: 'Change an inbox; a secret set to null is removed, omitted secrets are kept',
    access: ['admin'],
    params: IdParamsSchema,
    body: UpdateInboxSchema,
    handler: ({ core, viewer, params, body }) => core.inboxes.update(viewer, params.id, body),
  }),
  defineRoute({
    method: 'delete',
    path: '/inboxes/:id',
    operationId: 'deleteInbox',
    tag: 'inboxes',
    summary: 'Delete an inbox no ticket belongs to; with tickets 409 INBOX_HAS_TICKETS (disable it instead)',
    access: ['admin'],
    params: IdParamsSchema,
    status: 204,
    handler: ({ core, viewer, params }) => core.inboxes.remove(viewer, params.id),
  }),
  defineRoute({
    method: 'post',
    path: '/inboxes/:id/test-connection',
    operationId: 'testInboxConnection',
    tag: 'inboxes',
    summary: 'Try the stored settings against the real servers (e.g. IMAP and SMTP): ok, or a precise cause per check',
    access: ['admin'],
    params: IdParamsSchema,
    handler: ({ core, viewer, params }) => core.inboxes.testConnection(viewer, params.id),
  }),
];
