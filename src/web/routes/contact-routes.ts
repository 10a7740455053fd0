import { toTicketSummary } from '../../core/events/views.js';
import { defineRoute } from '../api/route.js';
import { IdParamsSchema, MergeSchema } from '../schemas/common-schemas.js';
import { ContactSearchQuerySchema } from '../schemas/contact-schemas.js';
import { toContactView } from '../views/contact-view.js';

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
      return { contact: toContactView(contact), tickets: tickets.map(toTicketSummary) };
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
    handler: async ({ core, viewer, params, body }) => toContactView(await core.contacts.merge(viewer, params.id, body.targetId)),
  }),
];
