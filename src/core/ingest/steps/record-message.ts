import type { Logger } from 'pino';
import type { Types } from 'mongoose';
import { systemActor, type AuditEntry, type AuditLog } from '../../audit/audit-log.js';
import type { MessageReceived } from '../../domain/inbound-event.js';
import type { AuditEvent } from '../../models/audit-event.js';
import type { Contact } from '../../models/contact.js';
import type { Inbox } from '../../models/inbox.js';
import type { Message } from '../../models/message.js';
import type { Ticket } from '../../models/ticket.js';
import { inboundMessageId } from '../../messages/inbound-message-id.js';
import type { ProcessRun } from '../process-run.js';
import { messageDocument } from './message-document.js';
import type { Placed } from './place-message.js';
import type { MessageStore } from './store-message.js';
import type { TicketToucher } from './touch-ticket.js';
import { createdEntry, type MadeTicket } from './write-ticket.js';

export interface Recorded {
  message: Message;
  /** The ticket after the customer's activity was written to it. */
  ticket: Ticket;
  /** `ticket.created` of the ticket the message went to, when this run inserted it. */
  createdHere?: AuditEvent;
  /** Tickets this run inserted that the message did not go to (a claim finished on the way). */
  createdElsewhere: { made: MadeTicket; audit: AuditEvent }[];
  /** The message's own audit event; `announce`: whether to announce it (see below). */
  received: AuditEvent;
  announce: boolean;
  /** A waiting ticket the message opened again, and its `ticket.status_changed` audit event. */
  woke?: AuditEvent;
}

/**
 * Step 3 of a message: the message, the ticket's activity and the audit trail, written. Safe to run again
 * after a crash: the message is keyed by its provider key, the audit event by its ref.
 */
export class RecordMessage {
  constructor(
    private readonly store: MessageStore,
    private readonly toucher: TicketToucher,
    private readonly audit: AuditLog,
    private readonly logger: Logger,
  ) {}

  async run(event: MessageReceived, inbox: Inbox, contact: Contact, placed: Placed, run: ProcessRun): Promise<Recorded> {
    const { decision, made } = placed;
    const messageId = inboundMessageId(event.providerKey, event.occurredAt);
    const received = (id: Types.ObjectId): AuditEntry => ({
      // Typed on our own account outside Ponte (the WhatsApp phone): an outbound message nobody here sent.
      type: event.fromUs ? 'message.sent_from_phone' : 'message.received',
      actor: event.fromUs
        ? { type: 'system', name: 'Phone' }
        : { type: 'contact', id: String(contact._id), ...(contact.name ? { name: contact.name } : {}) },
      data: { messageId: String(id), channel: inbox.kind, rule: decision.rule, detail: decision.detail },
      ref: `message:${String(id)}`,
    });
    // Written together, in one insert: a new ticket's `ticket.created` and, on a first run (nothing of
    // the event stored yet), the message's own audit event.
    // (A ticket this run inserted is almost always the one the message goes to; should placement have
    // finished another writer's claim on the way, that one is announced on its own.)
    const madeHere = made.find((m) => m.ticket._id.equals(placed.ticket._id));
    const together = [...(madeHere ? [createdEntry(madeHere, inbox, contact)] : []), ...(run === 'first' ? [received(messageId)] : [])];
    const elsewhere = made.filter((m) => m !== madeHere);
    // The ticket's update and the audit events do not depend on the message's insert: all at once. Touching
    // is idempotent (timestamps only move forward), so a re-run after a crash may repeat it harmlessly.
    const doc = messageDocument(event, messageId, inbox, contact, placed.ticket, decision);
    const [{ message, fresh }, touched, appended, elsewhereCreated] = await Promise.all([
      this.store.store(doc, placed.ticket, decision, run === 'first'),
      this.toucher.touch(placed.ticket, placed.reopened ? undefined : placed.readStamp, event),
      together.length ? this.audit.appendAll(placed.ticket._id, together) : Promise.resolve<AuditEvent[]>([]),
      Promise.all(elsewhere.map((m) => this.audit.appendAll(m.ticket._id, [createdEntry(m, inbox, contact)]))),
      Promise.all(
        made.flatMap((m) =>
          m.previous ? [this.audit.append(m.previous._id, 'ticket.follow_up_created', systemActor, { ticketId: String(m.ticket._id), number: m.ticket.number })] : [],
        ),
      ),
    ]);
    const ticket = touched.ticket;
    const appendedEarly = run === 'first' ? appended.at(-1) : undefined;
    if (appendedEarly && !fresh && !message._id.equals(messageId)) {
      // Only a message stored before ids were derived from the event, by a concurrent run elsewhere.
      this.logger.warn({ providerKey: event.providerKey, messageId: String(message._id) }, 'message.received audited under another message id');
    }
    // A re-run looks for the audit event an earlier attempt may have written (with or without the message).
    const found = appendedEarly ? null : await this.audit.findRef(ticket._id, `message:${String(message._id)}`);
    const a = appendedEarly ?? found ?? (await this.audit.appendAll(ticket._id, [received(message._id)]))[0]!;
    const woke = touched.wokeFrom
      ? // After the message's own event: "customer wrote" then "ticket reopened by the reply".
        await this.audit.append(ticket._id, 'ticket.status_changed', systemActor, { from: touched.wokeFrom, to: 'open', reason: 'customer replied' })
      : undefined;
    return {
      message,
      ticket,
      ...(madeHere ? { createdHere: appended[0]! } : {}),
      createdElsewhere: elsewhere.map((m, i) => ({ made: m, audit: elsewhereCreated[i]![0]! })),
      received: a,
      // Announced when this run wrote the message or its audit event, or after a failed attempt here (which
      // announced nothing); a recovery that finds both written stays silent (they were likely announced).
      announce: fresh || !found || run === 'retry',
      ...(woke ? { woke } : {}),
    };
  }
}
