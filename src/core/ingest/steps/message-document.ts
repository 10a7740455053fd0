import type { Types } from 'mongoose';
import type { MessageReceived } from '../../domain/inbound-event.js';
import type { Contact } from '../../models/contact.js';
import type { Inbox } from '../../models/inbox.js';
import type { Message } from '../../models/message.js';
import type { Ticket } from '../../models/ticket.js';
import { sanitizeEmailHtml } from '../../messages/sanitize-html.js';
import type { ThreadDecision } from '../../threading/decide-thread.js';
import { subjectChanged } from '../../threading/subject-changed.js';

/**
 * The stored message of an inbound event, built whole and typed here (every required field, the
 * schema's defaults written out): it is inserted by the driver, without a mongoose document.
 */
export function messageDocument(
  event: MessageReceived,
  messageId: Types.ObjectId,
  inbox: Inbox,
  contact: Contact,
  ticket: Ticket,
  decision: Pick<ThreadDecision, 'rule' | 'detail'>,
): Message {
  const now = new Date();
  return {
    _id: messageId,
    ticketId: ticket._id,
    inboxId: inbox._id,
    channel: inbox.kind,
    direction: event.fromUs ? ('outbound' as const) : (event.call?.direction ?? ('inbound' as const)),
    kind: event.call ? ('call' as const) : ('message' as const),
    ...(event.call ? { call: event.call } : {}),
    author: event.fromUs
      ? { type: 'agent' as const, name: 'Phone' }
      : { type: 'contact' as const, contactId: contact._id, name: event.sender.displayName ?? contact.name ?? event.sender.handle },
    ...(event.fromUs ? { fromPhone: true } : {}),
    text: event.text,
    ...(event.quotedText ? { quotedText: event.quotedText } : {}),
    // Sanitised here for every channel, whatever the adapter did: HTML from outside is never trusted.
    ...(event.html ? { html: sanitizeEmailHtml(event.html) } : {}),
    attachments: event.attachments
      .filter((a) => a.blobId)
      .map((a) => ({
        blobId: a.blobId!,
        fileName: a.fileName,
        mimeType: a.mimeType,
        size: a.size,
        ...(a.contentId ? { contentId: a.contentId } : {}),
        ...(a.inline ? { inline: true } : {}),
      })),
    providerKey: event.providerKey,
    conversationId: event.threading.conversationId,
    ...(event.providerMessageId ? { providerMessageId: event.providerMessageId } : {}),
    ...(inbox.kind === 'email' && event.threading.messageId ? { emailMessageId: event.threading.messageId } : {}),
    threading: {
      ...(event.threading.subject ? { subject: event.threading.subject } : {}),
      ...(event.threading.inReplyTo ? { inReplyTo: event.threading.inReplyTo } : {}),
      references: event.threading.references ?? [],
      ...(event.threading.quotedProviderMessageId ? { quotedProviderMessageId: event.threading.quotedProviderMessageId } : {}),
    },
    threadReason: { rule: decision.rule, detail: decision.detail },
    // A phone-typed message is already on its way: its acks move it on from `sent`.
    delivery: event.fromUs
      ? { status: 'sent' as const, attempts: 0, history: [{ status: 'sent' as const, at: now }] }
      : { status: 'received' as const, attempts: 0, history: [{ status: 'received' as const, at: now }] },
    ...(event.automated ? { automated: true } : {}),
    ...(subjectChanged(inbox, ticket, event, decision) ? { subjectChanged: true } : {}),
    ...(event.rawRef ? { rawRef: event.rawRef } : {}),
    occurredAt: event.occurredAt,
    createdAt: now,
    updatedAt: now,
  };
}
