import { toTicketSummary } from '../../core/events/views.js';
import { defineRoute } from '../api/route.js';
import { IdParamsSchema, MergeSchema } from '../schemas/common-schemas.js';
import { ContactSearchQuerySchema } from '../schemas/contact-schemas.js';
import { toContactView, toMergeView } from '../views/contact-view.js';
import { ContactUpdateSchema } from '../../core/contacts/contact-service.js';
import { z } from 'zod';

export const contactRoutes = [
  defineRoute({
    method: 'get',
    path: '/contacts',
    operationId: 'searchContacts',
    tag: 'contacts',
    summary: 'Search contacts by name, email, phone or identity (agents: contacts with a ticket they may see)',
    access: 'user',
    query: ContactSearchQuerySchema,
    handler: async ({ core, viewer, query }) => ({ items: (await core.contacts.search(viewer, query.q, query.limit)).map(toContactView) }),
  }),
  defineRoute({
    method: 'get',
    path: '/contacts/:id',
    operationId: 'getContact',
    tag: 'contacts',
    summary: 'A contact with every ticket (across channels) the viewer may see',
    access: 'user',
    params: IdParamsSchema,
    handler: async ({ core, viewer, params }) => {
      const { contact, tickets } = await core.contacts.detail(viewer, params.id);
      const merges = viewer.role === 'agent' ? [] : await core.contacts.mergeHistory(contact._id);
      return { contact: toContactView(contact), tickets: tickets.map(toTicketSummary), merges: merges.map(toMergeView) };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/contacts/:id/merge',
    operationId: 'mergeContact',
    tag: 'contacts',
    summary: 'Merge this contact into targetId (identities and tickets move to the target)',
    access: ['supervisor', 'admin'],
    params: IdParamsSchema,
    body: MergeSchema,
    handler: async ({ core, viewer, params, body }) => {
      const { target, merge } = await core.contacts.merge(viewer, params.id, body.targetId);
      // `mergeId` is what undo takes (POST /contact-merges/{id}/undo).
      return { ...toContactView(target), mergeId: merge._id };
    },
  }),
  defineRoute({
    method: 'get',
    path: '/contacts/:id/merge-preview',
    operationId: 'previewContactMerge',
    tag: 'contacts',
    summary: 'What merging this contact into targetId would move (identities, tickets), without moving anything',
    access: ['supervisor', 'admin'],
    params: IdParamsSchema,
    query: MergeSchema,
    handler: async ({ core, viewer, params, query }) => {
      const p = await core.contacts.mergePreview(viewer, params.id, query.targetId);
      return { source: toContactView(p.source), target: toContactView(p.target), identities: p.identities, tickets: p.tickets };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/contact-merges/:id/undo',
    operationId: 'undoContactMerge',
    tag: 'contacts',
    summary: 'Undo a contact merge: the source contact, its identities and its tickets come back (once; 409 MERGE_UNDONE after)',
    access: ['supervisor', 'admin'],
    params: z.object({ id: z.string().regex(/^[0-9a-f]{24}$/, 'must be a merge id') }),
    handler: async ({ core, viewer, params }) => {
      const { source, target } = await core.contacts.undoMerge(viewer, params.id);
      return { source: toContactView(source), target: toContactView(target) };
    },
  }),
  defineRoute({
    method: 'patch',
    path: '/contacts/:id',
    operationId: 'updateContact',
    tag: 'contacts',
    summary: "Edit a contact's name, email, phone or notes (null or empty clears a field)",
    access: 'user',
    params: IdParamsSchema,
    body: ContactUpdateSchema,
    handler: async ({ core, viewer, params, body }) => toContactView(await core.contacts.update(viewer, params.id, body)),
  }),
];
