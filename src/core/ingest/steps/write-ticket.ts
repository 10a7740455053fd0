import type { Logger } from 'pino';
import type { Types } from 'mongoose';
import { systemActor, type AuditEntry, type AuditLog } from '../../audit/audit-log.js';
import type { Config } from '../../config/config.js';
import type { MessageReceived } from '../../domain/inbound-event.js';
import type { Contact } from '../../models/contact.js';
import type { Inbox } from '../../models/inbox.js';
import type { Ticket } from '../../models/ticket.js';
import type { SlaEngine } from '../../sla/sla-engine.js';
import { cleanTicketSubject } from '../../threading/subject-token.js';
import type { TicketNumbers } from '../../tickets/ticket-number.js';
import { dayBucket } from '../../time/day-bucket.js';
import { messagePreview } from '../../tickets/message-preview.js';
import { participantsOf } from './participants.js';

/** A ticket a run inserted (it announces it), and the ticket it follows up, if any. */
export interface MadeTicket {
  ticket: Ticket;
  previous?: Ticket;
}

/**
 * Carries out placement's `create` decision: inserts the ticket a message starts, with the id placement
 * claimed. Exactly one writer inserts it (`created`); the others get the stored one. Its `ticket.created`
 * audit event is written later, by the record step, in one insert with the message's.
 */
export class TicketWriter {
  constructor(
    private readonly audit: AuditLog,
    private readonly numbers: TicketNumbers,
    private readonly config: Config,
    private readonly logger: Logger,
  ) {}

  private slaEngine: SlaEngine | undefined;

  /** Due times of new tickets (`src/core/sla`); wired by createCore, which builds the engine later. */
  useSla(engine: SlaEngine): void {
    this.slaEngine = engine;
  }

  async write(id: Types.ObjectId, previous: Ticket | undefined, event: MessageReceived, inbox: Inbox, contact: Contact): Promise<{ ticket: Ticket; created: boolean }> {
    const now = new Date();
    if (!this.slaEngine) throw new Error('SLA engine not wired (createCore calls useSla)');
    const { sla, slaDueAt } = await this.slaEngine.initial({
      inboxId: inbox._id,
      channel: inbox.kind,
      contactId: contact._id,
      departmentId: inbox.departmentId ?? null,
      priority: 'normal',
      createdAt: now,
    });
    const { ticket, created } = await this.numbers.insert({
      _id: id,
      subject: subjectFor(event, contact),
      status: 'new',
      priority: 'normal',
      tags: [],
      ...(inbox.departmentId ? { departmentId: inbox.departmentId } : {}),
      contactId: contact._id,
      inboxId: inbox._id,
      channel: inbox.kind,
      replyTo: {
        handle: event.sender.handle,
        conversationId: event.threading.conversationId,
        ...(event.sender.displayName ? { displayName: event.sender.displayName } : {}),
        // Answers go where the customer asked (email Reply-To); the contact stays the author.
        ...(event.sender.replyTo || event.sender.email ? { email: event.sender.replyTo ?? event.sender.email } : {}),
        ...(event.sender.phone ? { phone: event.sender.phone } : {}),
      },
      participants: participantsOf(event),
      sla,
      slaDueAt,
      createdAt: now,
      lastMessageAt: event.occurredAt,
      lastMessagePreview: messagePreview(event.text, event.attachments),
      lastCustomerMessageAt: event.occurredAt,
      reopenCount: 0,
      ...(previous ? { previousTicketId: previous._id } : {}),
      mergedTicketIds: [],
      createdDay: dayBucket(now, this.config.tickets.timeZone),
    });
    if (created) {
      this.audit.startChain(ticket._id);
      this.logger.info({ ticketId: String(ticket._id), number: ticket.number, inboxId: String(inbox._id) }, 'ticket created');
    }
    return { ticket, created };
  }
}

/** The `ticket.created` audit entry of a ticket a run inserted. */
export function createdEntry({ ticket, previous }: MadeTicket, inbox: Inbox, contact: Contact): AuditEntry {
  return {
    type: 'ticket.created',
    actor: systemActor,
    data: {
      number: ticket.number,
      channel: inbox.kind,
      inboxId: String(inbox._id),
      contactId: String(contact._id),
      ...(previous ? { followUpOf: previous.number } : {}),
    },
  };
}

function subjectFor(event: MessageReceived, contact: Contact): string {
  const subject = cleanTicketSubject(event.threading.subject);
  if (subject) return subject.slice(0, 250);
  const firstLine = event.text.split('\n').map((l) => l.trim()).find(Boolean);
  if (firstLine) return firstLine.length > 80 ? `${firstLine.slice(0, 79)}…` : firstLine;
  return `Conversation with ${contact.name ?? event.sender.displayName ?? event.sender.handle}`;
}
