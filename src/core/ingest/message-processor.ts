import type { Logger } from 'pino';
import { Types } from 'mongoose';
import { systemActor, type AuditEntry, type AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/config.js';
import type { ContactResolver } from '../contacts/contact-resolver.js';
import { identityKeysFor } from '../contacts/identity-key.js';
import type { ChannelKind } from '../domain/channel-kind.js';
import { WriteBatcher } from '../db/write-batcher.js';
import { rawCollection } from '../db/raw-collection.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import type { MessageReceived } from '../domain/inbound-event.js';
import type { DomainEvent } from '../events/domain-events.js';
import type { InboxCache } from '../inboxes/inbox-cache.js';
import { ticketScope, toMessageView, toTicketSummary } from '../events/views.js';
import type { Contact } from '../models/contact.js';
import type { Inbox } from '../models/inbox.js';
import type { AuditEvent } from '../models/audit-event.js';
import type { Message } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { nextSlaDue, slaDueTimes } from '../sla/policy.js';
import { inboundMessageId } from '../messages/inbound-message-id.js';
import { sanitizeEmailHtml } from '../messages/sanitize-html.js';
import { ticketIdFromOurMessageId } from '../threading/message-id.js';
import { cleanTicketSubject, normaliseSubject } from '../threading/subject-token.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import type { TicketNumbers } from '../tickets/ticket-number.js';
import { dayBucket } from '../time/day-bucket.js';
import { messagePreview } from '../tickets/message-preview.js';
import type { TicketFactory, TicketPlacement } from './ticket-placement.js';

/**
 * Platforms that report what our own account sent as incoming traffic
 * (WhatsApp Web `fromMe`, Messenger `is_echo`). Only these need the lookup for
 * a stored outbound message, which is a scan on the embedded database; a web
 * chat visitor, an SMS or a Telegram user cannot send our messages. Email has
 * its own check by our signed Message-ID.
 */
const ECHOING_KINDS: ReadonlySet<ChannelKind> = new Set(['whatsapp', 'messenger']);

/** A ticket a run inserted (it announces it), and the ticket it follows up, if any. */
interface MadeTicket {
  ticket: Ticket;
  previous?: Ticket;
}

/** Channels whose conversation is the customer (per inbox): a chat, a phone number, a visitor. */
const CUSTOMER_IS_CONVERSATION: ReadonlySet<ChannelKind> = new Set(['webchat', 'sms', 'whatsapp', 'telegram', 'messenger']);

/** Called once per ticket created by an inbound message (auto-acknowledgement). */
export type NewTicketHook = (ticket: Ticket, inbox: Inbox, event: MessageReceived) => Promise<void>;

/**
 * `first`: the first attempt at a just-accepted event (nothing of it can be stored yet). `retry`: an
 * earlier attempt in this process failed (parts may be stored, nothing was announced). `recovery`: found
 * pending in the database after a crash or by another process (parts may be stored and announced).
 */
export type ProcessRun = 'first' | 'retry' | 'recovery';

export interface ProcessResult {
  outcome: string;
  ticketId?: string;
  messageId?: string;
  events: DomainEvent[];
}

/**
 * message.received → contact → ticket (threading) → message → audit → events.
 * Safe to run again for the same event after a crash: every step is keyed
 * (contact identities, conversation keys, the message's provider key, the
 * audit ref), so a re-run completes what is missing and creates nothing twice.
 */
export class MessageProcessor {
  private newTicketHook: NewTicketHook | undefined;
  private readonly inserts = new WriteBatcher<Message>(() => rawCollection(this.models.Message));
  private readonly ticketWrites = new WriteBatcher<Ticket>(() => rawCollection(this.models.Ticket));

  constructor(
    private readonly models: Models,
    private readonly inboxes: InboxCache,
    private readonly contacts: ContactResolver,
    private readonly placement: TicketPlacement,
    private readonly audit: AuditLog,
    private readonly locks: TicketLocks,
    private readonly numbers: TicketNumbers,
    private readonly config: Config,
    private readonly secret: string,
    private readonly logger: Logger,
  ) {}

  onNewTicket(hook: NewTicketHook): void {
    this.newTicketHook = hook;
  }

  /**
   * `run` says what may already be stored (see ProcessRun): on a first run, nothing, and the message's
   * audit event is written beside the message (one round trip fewer); any other run looks first.
   */
  async process(event: MessageReceived, run: ProcessRun = 'recovery'): Promise<ProcessResult> {
    const inbox = await this.inboxes.get(event.inboxId);
    if (!inbox) return { outcome: 'inbox-gone', events: [] };
    const events: DomainEvent[] = [];

    const echo = await this.ownEcho(event, inbox);
    if (echo) {
      this.logger.info({ providerKey: event.providerKey, messageId: String(echo._id) }, 'our own outbound message came back in; dropped');
      return { outcome: 'own-echo', messageId: String(echo._id), ticketId: String(echo.ticketId), events: [] };
    }

    const keys = identityKeysFor(inbox.kind, event.sender);
    // A chat conversation (one per customer and inbox) nobody here has seen is almost always a new
    // customer; a new email thread or call often comes from a known one. Only with a single identity key:
    // a second one (an email the visitor typed) may name a known customer, whom the message must join.
    const probablyNew = keys.length === 1 && CUSTOMER_IS_CONVERSATION.has(inbox.kind) && this.placement.claimsConversation(event);
    // Independent reads side by side: each is a round trip, and under load every one waits in line.
    const [contact, pointer] = await Promise.all([
      this.contacts.resolve(
        keys,
        {
          ...(event.sender.displayName ? { name: event.sender.displayName } : {}),
          ...(event.sender.email ? { email: event.sender.email.toLowerCase() } : {}),
          ...(event.sender.phone ? { phone: event.sender.phone } : {}),
          ...(event.sender.avatarUrl ? { avatarUrl: event.sender.avatarUrl } : {}),
        },
        { probablyNew },
      ),
      this.placement.lookupPointer(event),
    ]);
    const reopenWindowMs = inbox.reopenWindowDays !== undefined ? inbox.reopenWindowDays * 86_400_000 : this.config.tickets.reopenWindowMs;
    const readStamp = this.locks.stamp();
    // Set by the factory when this run inserts the ticket: its audit events are written below, with the message's.
    const made: MadeTicket[] = [];
    const placement = await this.placement.place(event, inbox, contact, reopenWindowMs, this.ticketFactory(event, inbox, contact, made), pointer);
    let ticket = placement.ticket;

    if (placement.reopened) {
      const reopenCount = ticket.reopenCount + 1;
      await this.locks.run(String(ticket._id), () =>
        this.models.Ticket.updateOne({ _id: ticket._id }, { $set: { status: 'open', reopenCount, slaDueAt: nextSlaDue({ ...ticket, status: 'open' }) }, $unset: { solvedAt: 1 } }),
      );
      const a = await this.audit.append(ticket._id, 'ticket.reopened', systemActor, {
        from: ticket.status,
        to: 'open',
        reason: placement.decision.detail,
      });
      ticket = (await this.models.Ticket.findById(ticket._id).lean())!;
      events.push({ type: 'ticket.updated', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(ticket), change: 'reopened', ticket: toTicketSummary(ticket) });
    }

    const messageId = inboundMessageId(event.providerKey, event.occurredAt);
    const received = (id: Types.ObjectId): AuditEntry => ({
      // Typed on our own account outside Ponte (the WhatsApp phone): an outbound message nobody here sent.
      type: event.fromUs ? 'message.sent_from_phone' : 'message.received',
      actor: event.fromUs
        ? { type: 'system', name: 'Phone' }
        : { type: 'contact', id: String(contact._id), ...(contact.name ? { name: contact.name } : {}) },
      data: { messageId: String(id), channel: inbox.kind, rule: placement.decision.rule, detail: placement.decision.detail },
      ref: `message:${String(id)}`,
    });
    // Written together, in one insert: a new ticket's `ticket.created` and, on a first run (nothing of
    // the event stored yet), the message's own audit event.
    // (A ticket this run inserted is almost always the one the message goes to; should placement have
    // finished another writer's claim on the way, that one is announced on its own.)
    const madeHere = made.find((m) => m.ticket._id.equals(ticket._id));
    const together = [
      ...(madeHere ? [this.createdEntry(madeHere, inbox, contact)] : []),
      ...(run === 'first' ? [received(messageId)] : []),
    ];
    const elsewhere = made.filter((m) => m !== madeHere);
    const createdEvent = (c: AuditEvent, t: Ticket): DomainEvent => ({
      type: 'ticket.created',
      seq: c.seq,
      at: c.at.toISOString(),
      scope: ticketScope(t),
      ticket: toTicketSummary(t),
    });
    // The ticket's update and the audit events do not depend on the message's insert: all at once. Touching
    // is idempotent (timestamps only move forward), so a re-run after a crash may repeat it harmlessly.
    const [{ message, fresh }, touched, appended, elsewhereCreated] = await Promise.all([
      this.storeMessage(event, messageId, inbox, contact, ticket, placement.decision),
      this.touchTicket(ticket, placement.reopened ? undefined : readStamp, event),
      together.length ? this.audit.appendAll(ticket._id, together) : Promise.resolve<AuditEvent[]>([]),
      Promise.all(elsewhere.map((m) => this.audit.appendAll(m.ticket._id, [this.createdEntry(m, inbox, contact)]))),
      Promise.all(
        made.flatMap((m) =>
          m.previous ? [this.audit.append(m.previous._id, 'ticket.follow_up_created', systemActor, { ticketId: String(m.ticket._id), number: m.ticket.number })] : [],
        ),
      ),
    ]);
    ticket = touched.ticket;
    if (madeHere) events.push(createdEvent(appended[0]!, ticket));
    elsewhere.forEach((m, i) => events.push(createdEvent(elsewhereCreated[i]![0]!, m.ticket)));
    const appendedEarly = run === 'first' ? appended.at(-1) : undefined;
    if (appendedEarly && !fresh && !message._id.equals(messageId)) {
      // Only a message stored before ids were derived from the event, by a concurrent run elsewhere.
      this.logger.warn({ providerKey: event.providerKey, messageId: String(message._id) }, 'message.received audited under another message id');
    }
    // A re-run looks for the audit event an earlier attempt may have written (with or without the message).
    const found = appendedEarly ? null : await this.audit.findRef(ticket._id, `message:${String(message._id)}`);
    const a = appendedEarly ?? found ?? (await this.audit.appendAll(ticket._id, [received(message._id)]))[0]!;
    // Announced when this run wrote the message or its audit event, or after a failed attempt here (which
    // announced nothing); a recovery that finds both written stays silent (they were likely announced).
    if (fresh || !found || run === 'retry') {
      events.push({
        type: 'message.created',
        seq: a.seq,
        at: a.at.toISOString(),
        scope: ticketScope(ticket),
        message: toMessageView(message),
        ticket: { number: ticket.number, status: ticket.status, inboxId: String(ticket.inboxId), conversationId: ticket.replyTo?.conversationId ?? null },
      });
    }
    if (touched.wokeFrom) {
      // After the message's own event, as before: "customer wrote" then "ticket reopened by the reply".
      const a = await this.audit.append(ticket._id, 'ticket.status_changed', systemActor, { from: touched.wokeFrom, to: 'open', reason: 'customer replied' });
      events.push({ type: 'ticket.updated', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(ticket), change: 'status', ticket: toTicketSummary(ticket) });
    }
    if (placement.created && !event.automated && !event.fromUs && this.newTicketHook) {
      await this.newTicketHook(ticket, inbox, event).catch((err: unknown) =>
        this.logger.error({ err, ticketId: String(ticket._id) }, 'new-ticket hook failed'),
      );
    }
    return { outcome: placement.created ? 'new-ticket' : placement.decision.action, ticketId: String(ticket._id), messageId: String(message._id), events };
  }

  /**
   * A message we sent ourselves, seen again inbound (WhatsApp `fromMe`,
   * Messenger `is_echo`, our mail forwarded back by a customer's rule): it
   * matches a stored outbound message of this inbox and must not be stored twice.
   */
  private async ownEcho(event: MessageReceived, inbox: Inbox): Promise<Message | null> {
    if (inbox.kind === 'email') {
      // Our Message-IDs are signed: only a mail carrying one of them can be our own.
      const id = event.threading.messageId;
      if (!id || !ticketIdFromOurMessageId(this.secret, id)) return null;
      return this.models.Message.findOne({ inboxId: inbox._id, direction: 'outbound', emailMessageId: id }).lean();
    }
    if (!ECHOING_KINDS.has(inbox.kind)) return null;
    const ids = [event.providerMessageId, event.threading.messageId].filter((v): v is string => Boolean(v));
    if (ids.length === 0) return null;
    return this.models.Message.findOne({
      inboxId: inbox._id,
      direction: 'outbound',
      $or: [{ providerMessageId: { $in: ids } }, { emailMessageId: { $in: ids } }],
    }).lean();
  }

  private ticketFactory(event: MessageReceived, inbox: Inbox, contact: Contact, made: MadeTicket[]): TicketFactory {
    return async (id, previous) => {
      const now = new Date();
      const sla = slaDueTimes('normal', now);
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
        slaDueAt: sla.firstResponseDueAt,
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
        // Its `ticket.created` audit event is written by `process`, in one insert with the message's.
        made.push({ ticket, ...(previous ? { previous } : {}) });
        this.logger.info({ ticketId: String(ticket._id), number: ticket.number, inboxId: String(inbox._id) }, 'ticket created');
      }
      return { ticket, created };
    };
  }

  private createdEntry({ ticket, previous }: MadeTicket, inbox: Inbox, contact: Contact): AuditEntry {
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

  private async storeMessage(
    event: MessageReceived,
    messageId: Types.ObjectId,
    inbox: Inbox,
    contact: Contact,
    ticket: Ticket,
    decision: { rule: string; detail: string },
  ): Promise<{ message: Message; fresh: boolean }> {
    const now = new Date();
    const doc: Message = {
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
    try {
      // Built whole and typed here (every required field, the schema's defaults written out): inserted
      // by the driver, without a mongoose document per message, batched with other conversations' under load.
      await this.inserts.insert(doc);
      return { message: doc, fresh: true };
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      const existing = await this.models.Message.findOne({ providerKey: event.providerKey }).lean();
      if (!existing) throw err;
      if (!existing.ticketId.equals(ticket._id)) return { message: await this.moveMessage(existing, ticket, decision), fresh: false };
      return { message: existing, fresh: false };
    }
  }

  /**
   * An earlier attempt stored the message on a ticket it no longer belongs to: that ticket was closed,
   * solved or merged before this attempt placed the message again. It joins the ticket placement chose
   * now (where it is announced and audited); the old ticket's history says where it went.
   */
  private async moveMessage(message: Message, to: Ticket, decision: { rule: string; detail: string }): Promise<Message> {
    const threadReason = { rule: decision.rule, detail: decision.detail };
    await this.models.Message.updateOne({ _id: message._id }, { $set: { ticketId: to._id, threadReason } });
    await this.audit.append(message.ticketId, 'message.moved', systemActor, { messageId: String(message._id), toTicketId: String(to._id), toNumber: to.number });
    this.logger.info({ messageId: String(message._id), from: String(message.ticketId), to: String(to._id) }, 'message moved to the ticket it belongs to now');
    return { ...message, ticketId: to._id, threadReason };
  }

  /** Customer activity: timestamps move forward only; a waiting ticket becomes open again. */
  private async touchTicket(ticket: Ticket, readStamp: number | undefined, event: MessageReceived): Promise<{ ticket: Ticket; wokeFrom: Ticket['status'] | undefined }> {
    const at = event.occurredAt;
    const key = String(ticket._id);
    return this.locks.run(key, async () => {
      // Placement's copy is as good as a re-read unless a ticket write of this process ran since it was read.
      const reusable = readStamp !== undefined && this.locks.unchangedSince(key, readStamp);
      const current = reusable ? ticket : (await rawCollection(this.models.Ticket).findOne({ _id: ticket._id }))!;
      const set: Record<string, unknown> = {};
      if (at > current.lastMessageAt) set.lastMessageAt = at;
      if (at >= current.lastMessageAt) set.lastMessagePreview = messagePreview(event.text, event.attachments);
      // Our own message typed on the phone is not customer activity: it neither counts as such nor wakes.
      if (!event.fromUs && (!current.lastCustomerMessageAt || at > current.lastCustomerMessageAt)) set.lastCustomerMessageAt = at;
      const newParticipants = participantsOf(event).filter((p) => !current.participants.includes(p));
      if (newParticipants.length) set.participants = [...current.participants, ...newParticipants];
      const wakes = !event.fromUs && (current.status === 'pending' || current.status === 'on-hold');
      if (wakes) set.status = 'open';
      const update: Record<string, unknown> = {};
      if (Object.keys(set).length) update.$set = set;
      if (current.snoozedUntil) update.$unset = { snoozedUntil: 1 };
      if (Object.keys(update).length === 0) return { ticket: current, wokeFrom: undefined };
      // By the driver (so `updatedAt`, mongoose's timestamp, is set here), batched with other tickets' under load.
      await this.ticketWrites.updateById(ticket._id, { ...update, $set: { ...set, updatedAt: new Date() } });
      const fresh: Ticket = { ...current, ...(set as Partial<Ticket>), ...(current.snoozedUntil ? { snoozedUntil: undefined } : {}) } as Ticket;
      return { ticket: fresh, wokeFrom: wakes ? current.status : undefined };
    });
  }
}

/**
 * An email that joined an existing ticket (by reference or token) although its
 * subject has nothing in common with the ticket's: often a new question sent
 * by replying to an old mail. It stays where the headers put it; agents see a flag.
 */
function subjectChanged(inbox: Inbox, ticket: Ticket, event: MessageReceived, decision: { rule: string }): boolean {
  if (inbox.kind !== 'email' || decision.rule === 'new-conversation') return false;
  const incoming = normaliseSubject(event.threading.subject);
  const current = normaliseSubject(ticket.subject);
  if (!incoming || !current || incoming === current) return false;
  if (incoming.includes(current) || current.includes(incoming)) return false;
  const words = (s: string) => new Set(s.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 3));
  const a = words(incoming);
  return ![...words(current)].some((w) => a.has(w));
}

function participantsOf(event: MessageReceived): string[] {
  const list = [...(event.threading.participants ?? []), ...(event.sender.email ? [event.sender.email] : [])];
  return [...new Set(list.map((p) => p.trim().toLowerCase()).filter(Boolean))];
}

function subjectFor(event: MessageReceived, contact: Contact): string {
  const subject = cleanTicketSubject(event.threading.subject);
  if (subject) return subject.slice(0, 250);
  const firstLine = event.text.split('\n').map((l) => l.trim()).find(Boolean);
  if (firstLine) return firstLine.length > 80 ? `${firstLine.slice(0, 79)}…` : firstLine;
  return `Conversation with ${contact.name ?? event.sender.displayName ?? event.sender.handle}`;
}

