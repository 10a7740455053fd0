import { StartConversationSchema } from '../../core/outbound/conversation-starter.js';
import { defineRoute } from '../api/route.js';
import { replayed } from '../api/replayed.js';
import { toTicketDetailView } from '../views/ticket-detail-view.js';

/** "New conversation": an agent writes to a customer first (src/core/outbound/conversation-starter.ts). */
export const conversationRoutes = [
  defineRoute({
    method: 'post',
    path: '/tickets',
    operationId: 'startConversation',
    tag: 'tickets',
    summary:
      'Start a conversation: a new ticket in the inbox\'s department, assigned to the caller, whose first message (to `to`) ' +
      'is queued for delivery like a reply. Email (`to`: an address; `subject` required), SMS and WhatsApp (`to`: a phone number in ' +
      'international format; the ticket claims the number\'s conversation, so the answer lands in it). 409 CONVERSATION_OPEN ' +
      '(details: ticketId, number) when that number has an active ticket on the inbox, 409 CONTACT_OPTED_OUT after an SMS STOP. ' +
      'Agents only in inboxes of their departments. With `clientMessageId`, a resent start answers with the ticket the first ' +
      'one made (header `Idempotent-Replayed: true`) instead of a second ticket and message',
    access: 'user',
    body: StartConversationSchema,
    bodyLimit: 'compose',
    status: 201,
    handler: async ({ core, viewer, body, res }) => {
      const { ticket, message } = replayed(res, await core.conversationStarter.startOnce(viewer, body));
      return { ticket: await toTicketDetailView(core, viewer, ticket), messageId: String(message._id) };
    },
  }),
];
