import { ComposeSchema, ReplySchema } from '../../core/outbound/compose-service.js';
import { defineRoute } from '../api/route.js';
import { replayed } from '../api/replayed.js';
import { IdParamsSchema } from '../schemas/common-schemas.js';
import { ThreadQuerySchema } from '../schemas/ticket-schemas.js';
import { toMessageDetailView } from '../views/message-detail-view.js';
import { toRecipientsView } from '../views/recipient-view.js';

export const messageRoutes = [
  defineRoute({
    method: 'get',
    path: '/tickets/:id/messages',
    operationId: 'listTicketMessages',
    tag: 'messages',
    summary:
      'Messages and notes of a ticket (and of tickets merged into it), oldest first in every page. Paged forward with ' +
      '`after=<nextCursor>`, or backward from the newest with `before=end`, then `before=<prevCursor>` (a console opens ' +
      'a long thread at its end and reads older pages on demand); `after` and `before` together are a 400',
    access: 'user',
    params: IdParamsSchema,
    query: ThreadQuerySchema,
    handler: async ({ core, viewer, params, query }) => {
      const page = await core.threads.list(await core.tickets.get(viewer, params.id), query);
      return { items: page.items.map(toMessageDetailView), nextCursor: page.nextCursor, prevCursor: page.prevCursor };
    },
  }),
  defineRoute({
    method: 'post',
    path: '/tickets/:id/reply',
    operationId: 'replyToTicket',
    tag: 'messages',
    summary:
      'Reply to the customer: stored as queued (202), delivered by the outbound job. `recipientId` picks one of the ' +
      "ticket's recipients (a ticket with merged customers has several; unknown → 400); by default the customer who wrote last. " +
      'With `clientMessageId`, a resend of the same reply answers with the message already accepted (same status, header ' +
      '`Idempotent-Replayed: true`) instead of sending it twice',
    access: 'user',
    params: IdParamsSchema,
    body: ReplySchema,
    bodyLimit: 'compose',
    status: 202,
    handler: async ({ core, viewer, params, body, res }) => toMessageDetailView(replayed(res, await core.compose.replyOnce(viewer, params.id, body))),
  }),
  defineRoute({
    method: 'get',
    path: '/tickets/:id/recipients',
    operationId: 'listTicketRecipients',
    tag: 'messages',
    summary:
      "Who a reply can go to: the ticket's customer conversation and those of the tickets merged into it (name, channel, " +
      'address), and `defaultId`, the one a reply without `recipientId` goes to (the customer who wrote last)',
    access: 'user',
    params: IdParamsSchema,
    handler: async ({ core, viewer, params }) => toRecipientsView(await core.compose.recipients(viewer, params.id)),
  }),
  defineRoute({
    method: 'get',
    path: '/tickets/:id/reply-window',
    operationId: 'getTicketReplyWindow',
    tag: 'messages',
    summary:
      "Whether a reply can go now on the ticket's channel (Messenger: 24 hours after the customer's last message, " +
      'then the HUMAN_AGENT tag where the inbox allows it); `channelWindow` is null when the channel has no window',
    access: 'user',
    params: IdParamsSchema,
    handler: async ({ core, viewer, params }) => ({ channelWindow: await core.compose.replyWindow(viewer, params.id) }),
  }),
  defineRoute({
    method: 'post',
    path: '/tickets/:id/note',
    operationId: 'addTicketNote',
    tag: 'messages',
    summary: 'Internal note: visible to agents only, never sent to any channel. Idempotent by `clientMessageId` like a reply',
    access: 'user',
    params: IdParamsSchema,
    body: ComposeSchema,
    bodyLimit: 'compose',
    status: 202,
    handler: async ({ core, viewer, params, body, res }) => toMessageDetailView(replayed(res, await core.compose.noteOnce(viewer, params.id, body))),
  }),
  defineRoute({
    method: 'post',
    path: '/messages/:id/retry',
    operationId: 'retryMessage',
    tag: 'messages',
    summary: 'Queue a failed outbound message for another delivery attempt',
    access: 'user',
    params: IdParamsSchema,
    status: 202,
    handler: async ({ core, viewer, params }) => toMessageDetailView(await core.compose.retry(viewer, params.id)),
  }),
];
