import type { Message } from '../models/message.js';
import type { Ticket } from '../models/ticket.js';
import { NO_SLA_DUE } from '../sla/policy.js';
import type { MessageView, TicketSummary } from './domain-events.js';

const idOrNull = (v: unknown): string | null => (v ? String(v) : null);

/** The fields a list row shows: a whole ticket or an open-work entry (`tickets/open-work-entry.ts`). */
type SummarySource = Pick<Ticket, '_id' | 'number' | 'subject' | 'status' | 'priority' | 'channel' | 'inboxId' | 'contactId' | 'departmentId' | 'assigneeId' | 'tags' | 'lastMessageAt' | 'slaDueAt'> &
  Partial<Pick<Ticket, 'snoozedUntil' | 'lastMessagePreview' | 'lastCustomerMessageAt'>>;

export function toTicketSummary(t: SummarySource): TicketSummary {
  return {
    id: String(t._id),
    number: t.number,
    subject: t.subject,
    status: t.status,
    priority: t.priority,
    channel: t.channel,
    inboxId: String(t.inboxId),
    contactId: String(t.contactId),
    departmentId: idOrNull(t.departmentId),
    assigneeId: idOrNull(t.assigneeId),
    tags: [...t.tags],
    lastMessageAt: t.lastMessageAt.toISOString(),
    slaDueAt: t.slaDueAt.getTime() >= NO_SLA_DUE.getTime() ? null : t.slaDueAt.toISOString(),
    snoozedUntil: t.snoozedUntil ? t.snoozedUntil.toISOString() : null,
    ...(t.lastMessagePreview ? { preview: t.lastMessagePreview } : {}),
    lastCustomerMessageAt: t.lastCustomerMessageAt ? t.lastCustomerMessageAt.toISOString() : null,
  };
}

export function ticketScope(t: Pick<Ticket, '_id' | 'departmentId' | 'assigneeId'>) {
  return { ticketId: String(t._id), departmentId: idOrNull(t.departmentId), assigneeId: idOrNull(t.assigneeId) };
}

export function toMessageView(m: Message): MessageView {
  return {
    id: String(m._id),
    ticketId: String(m.ticketId),
    channel: m.channel,
    direction: m.direction,
    kind: m.kind,
    authorName: m.author.name ?? null,
    authorType: m.author.type,
    text: m.text,
    quotedText: m.quotedText ?? null,
    hasHtml: Boolean(m.html),
    // An inline image's Content-ID ties the HTML's `cid:` reference to the stored file (GET /api/attachments/:blobId).
    attachments: m.attachments.map((a) => ({
      blobId: a.blobId,
      fileName: a.fileName,
      mimeType: a.mimeType,
      size: a.size,
      ...(a.contentId ? { contentId: a.contentId } : {}),
      ...(a.inline ? { inline: true } : {}),
    })),
    deliveryStatus: m.delivery.status,
    occurredAt: m.occurredAt.toISOString(),
    threadReason: m.threadReason?.rule ? { rule: m.threadReason.rule, ...(m.threadReason.detail ? { detail: m.threadReason.detail } : {}) } : null,
    automated: Boolean(m.automated || m.automatic),
    // A reply to a customer of a ticket merged into this one (absent: the ticket's own customer).
    ...(m.recipient && !m.recipient.ticketId.equals(m.ticketId) ? { recipientId: String(m.recipient.ticketId) } : {}),
    subjectChanged: Boolean(m.subjectChanged),
    ...(m.editedAt ? { editedAt: m.editedAt.toISOString() } : {}),
    ...(m.revokedAt ? { revoked: true } : {}),
    ...(m.reactions?.length ? { reactions: m.reactions.map((r) => ({ by: r.by, emoji: r.emoji })) } : {}),
    ...(m.call
      ? {
          call: {
            direction: m.call.direction,
            status: m.call.status,
            durationSeconds: m.call.durationSeconds ?? null,
            from: m.call.from,
            to: m.call.to,
            transcription: m.call.transcription ?? null,
          },
        }
      : {}),
  };
}
