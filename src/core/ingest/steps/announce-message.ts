import type { DomainEvent } from '../../events/domain-events.js';
import { ticketScope, toMessageView, toTicketSummary } from '../../events/views.js';
import type { AuditEvent } from '../../models/audit-event.js';
import type { Ticket } from '../../models/ticket.js';
import type { Placed } from './place-message.js';
import type { Recorded } from './record-message.js';

/**
 * Step 4 of a message: the domain events that tell the console what happened, in the order it happened
 * (a reopen, the tickets created, the message, a waiting ticket woken). Each carries its audit event's
 * `seq`. Published by the ingest service once the event is marked processed.
 */
export function announceMessage(placed: Placed, recorded: Recorded): DomainEvent[] {
  const { ticket, message } = recorded;
  const events: DomainEvent[] = [...placed.events];
  const createdEvent = (c: AuditEvent, t: Ticket): DomainEvent => ({
    type: 'ticket.created',
    seq: c.seq,
    at: c.at.toISOString(),
    scope: ticketScope(t),
    ticket: toTicketSummary(t),
  });
  if (recorded.createdHere) events.push(createdEvent(recorded.createdHere, ticket));
  for (const { made, audit } of recorded.createdElsewhere) events.push(createdEvent(audit, made.ticket));
  if (recorded.announce) {
    const a = recorded.received;
    events.push({
      type: 'message.created',
      seq: a.seq,
      at: a.at.toISOString(),
      scope: ticketScope(ticket),
      message: toMessageView(message),
      ticket: { number: ticket.number, status: ticket.status, inboxId: String(ticket.inboxId), conversationId: ticket.replyTo?.conversationId ?? null },
      ...(message.conversationId ? { from: { inboxId: String(message.inboxId), conversationId: message.conversationId } } : {}),
    });
  }
  if (recorded.woke) {
    const a = recorded.woke;
    events.push({ type: 'ticket.updated', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(ticket), change: 'status', ticket: toTicketSummary(ticket) });
  }
  return events;
}
