import { z } from 'zod';
import { CannedInputSchema, type CannedResponseService } from '../../core/canned/canned-service.js';
import type { Core } from '../../core/create-core.js';
import { defineRoute } from '../api/route.js';
import { IdParamsSchema } from '../schemas/common-schemas.js';

/** Kept for callers written before canned responses were part of createCore. */
export const cannedFor = (core: Core): CannedResponseService => core.canned;

/** `/api/canned-responses`: agents read (their departments' and shared ones); supervisors/admins manage. */
export const cannedRoutes = [
  defineRoute({
    method: 'get',
    path: '/canned-responses',
    operationId: 'listCannedResponses',
    tag: 'canned',
    summary: 'Canned responses the viewer may use (`/shortcut` in the composer; `{{contact.name}}`, `{{ticket.number}}`, `{{agent.name}}`)',
    access: 'user',
    handler: async ({ core, viewer }) => ({ items: await cannedFor(core).list(viewer) }),
  }),
  defineRoute({
    method: 'post',
    path: '/canned-responses',
    operationId: 'createCannedResponse',
    tag: 'canned',
    summary: 'Create a canned response (shared: supervisors and admins; `personal: true`: anyone, for themselves)',
    access: 'user',
    body: CannedInputSchema,
    status: 201,
    handler: ({ core, viewer, body }) => cannedFor(core).create(viewer, body),
  }),
  defineRoute({
    method: 'patch',
    path: '/canned-responses/:id',
    operationId: 'updateCannedResponse',
    tag: 'canned',
    summary: 'Change a canned response (your personal ones; shared ones: supervisors and admins)',
    access: 'user',
    params: IdParamsSchema,
    body: CannedInputSchema.partial().refine((v) => Object.values(v).some((x) => x !== undefined), 'must change at least one field'),
    handler: ({ core, viewer, params, body }) => cannedFor(core).update(viewer, params.id, body),
  }),
  defineRoute({
    method: 'delete',
    path: '/canned-responses/:id',
    operationId: 'deleteCannedResponse',
    tag: 'canned',
    summary: 'Delete a canned response (your personal ones; shared ones: supervisors and admins)',
    access: 'user',
    params: IdParamsSchema,
    status: 204,
    handler: async ({ core, viewer, params }) => {
      await cannedFor(core).remove(viewer, params.id);
    },
  }),
];
export const CannedListSchema = z.object({ items: z.array(z.object({ id: z.string(), shortcut: z.string(), title: z.string(), body: z.string() })) });
