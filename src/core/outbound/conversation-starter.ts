import { Types } from 'mongoose';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Actor, AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/config.js';
import type { ContactResolver } from '../contacts/contact-resolver.js';
import { emailKey } from '../contacts/identity-key.js';
import { canonicalPhone, phoneFromWhatsAppId, whatsAppIdFromPhone } from '../contacts/phone-identity.js';
import type { ChannelKind } from '../domain/channel-kind.js';
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ticketScope, toMessageView, toTicketSummary } from '../events/views.js';
import type { Message } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import type { TicketPlacement } from '../threading/ticket-placement.js';
import type { SlaEngine } from '../sla/sla-engine.js';
import { messagePreview } from '../tickets/message-preview.js';
import type { TicketNumbers } from '../tickets/ticket-number.js';
import { dayBucket } from '../time/day-bucket.js';
import { seesAllTickets, type Viewer } from '../users/viewer.js';
import { canSee } from '../tickets/visibility.js';
import { ComposeSchema, type ComposeService } from './compose-service.js';
import { laneOf } from './conversation-lanes.js';
import type { OutboundQueue } from './outbound-queue.js';
import { attachmentsFingerprint, sendFingerprint, sendKeyId, type Once, type SendOnce } from './send-once.js';

/**
 * Channels whose inboxes may write to a customer first. Email: the first mail carries our signed Message-ID
 * and the customer's answer threads back by it, whatever the conversation. SMS and WhatsApp: the answer
 * threads by its conversation (`conv:<inbox>:<number or chat id>`), which the start claims the way a first
 * inbound message would (TicketPlacement.claimForStart). Not the others: Telegram bots cannot write to a user
 * who has not opened the chat (and know no phone number); Messenger allows nothing outside the 24-hour window
 * after the customer wrote; web chat visitors are anonymous; voice places calls (the ticket's "call back").
 */
export const startableChannels: readonly ChannelKind[] = ['email', 'sms', 'whatsapp'];

const phoneChannels: readonly ChannelKind[] = ['sms', 'whatsapp'];
const PHONE_FORMAT = 'must be a phone number in international format, e.g. +5511987654321';

export const StartConversationSchema = ComposeSchema.extend({
  inboxId: z.string().regex(/^[0-9a-f]{24}$/i, 'must be an inbox id'),
  /** The customer's email address (email inboxes) or phone number in international format (SMS, WhatsApp). */
  to: z.string().trim().min(1, 'must not be empty').max(320),
  /** The contact's name, used only when the address makes a new contact. */
  name: z.string().trim().max(200).optional(),
  /** Email: the mail's subject (required). SMS/WhatsApp: the ticket's title; default the message's first line. */
  subject: z.string().trim().min(1, 'must not be empty').max(250).optional(),
});
export type StartConversationInput = z.infer<typeof StartConversationSchema>;

/** Who the first message goes to, as the channel's inbound messages name that customer. */
interface Recipient {
  identityKeys: string[];
  hints: { email?: string; phone?: string };
  replyTo: Ticket['replyTo'];
  participants: string[];
  /** Chat channels: the conversation the customer's answer arrives in. */
  conversationId?: string;
  /** Shown in the audit entry. */
  address: string;
}

function recipientFor(kind: ChannelKind, to: string): Recipient {
  if (kind === 'email') {
    const key = emailKey(to);
    if (!key) throw new ValidationError('Invalid email address', [{ path: 'to', message: 'must be an email address' }]);
    const address = key.slice('email:'.length);
    return { identityKeys: [key], hints: { email: address }, replyTo: { handle: address, email: address }, participants: [address], address };
  }
  // The same canonical form (and identity key) an inbound SMS or WhatsApp message of this number gets.
  const phone = /^\s*(\+|00)/.test(to) ? canonicalPhone(to.replace(/^\s*00/, '+')) : undefined;
  if (!phone) throw new ValidationError('Invalid phone number', [{ path: 'to', message: PHONE_FORMAT }]);
  // SMS: the conversation is the number (sms-mapper); WhatsApp: the chat id of the number (whatsapp/identity).
  const conversationId = kind === 'whatsapp' ? whatsAppIdFromPhone(phone) : phone;
  return {
    identityKeys: [`phone:${phone}`],
    hints: { phone },
    replyTo: { handle: phone, phone, conversationId },
    participants: [],
    conversationId,
    address: phone,
  };
}

/**
 * A WhatsApp account is a chat id, not always the number's canonical form: accounts registered before Brazil's
 * ninth digit still write as `551187654321@c.us`. When the contact already wrote to us from a chat of this
 * number, that chat is where their answer will come from; otherwise the number's own chat id.
 */
function useKnownWhatsAppChat(recipient: Recipient, identities: readonly string[]): void {
  const known = identities
    .filter((k) => k.startsWith('whatsapp:'))
    .map((k) => k.slice('whatsapp:'.length))
    .find((wid) => phoneFromWhatsAppId(wid) === recipient.address);
  if (!known) return;
  recipient.conversationId = known;
  recipient.replyTo = { ...recipient.replyTo, conversationId: known };
}

/** A chat ticket's title when the agent gave none: the message's first line, as for an inbound chat message. */
function titleOf(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find(Boolean) ?? '';
  return line.length > 80 ? `${line.slice(0, 79)}…` : line || 'New conversation';
}

/**
 * "New conversation": an agent writes to a customer first. The contact is found or created by its identity
 * key (an address an existing contact owns joins that contact), the ticket is written in the inbox's
 * department, assigned to whoever started it, with its first message outbound and queued for the same
 * durable delivery as any reply (outbound worker). Audited (`ticket.created` with `startedBy`, then
 * `message.reply_queued`) and announced (`ticket.created`, `message.created`).
 */
export class ConversationStarter {
  constructor(
    private readonly models: Models,
    private readonly contacts: ContactResolver,
    private readonly numbers: TicketNumbers,
    private readonly compose: ComposeService,
    private readonly audit: AuditLog,
    private readonly bus: DomainEventBus,
    private readonly queue: () => OutboundQueue,
    private readonly sla: () => SlaEngine,
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly placement: TicketPlacement,
    private readonly once: SendOnce,
  ) {}

  async start(viewer: Viewer, input: StartConversationInput): Promise<{ ticket: Ticket; message: Message }> {
    return (await this.startOnce(viewer, input)).result;
  }

  /**
   * With a `clientMessageId`, one conversation per key of this agent (see SendOnce): a resent start answers
   * with the ticket the first one made, instead of a second ticket and a second first message.
   */
  async startOnce(viewer: Viewer, input: StartConversationInput): Promise<Once<{ ticket: Ticket; message: Message }>> {
    if (!input.clientMessageId) return { result: await this.startNew(viewer, input, new Types.ObjectId()), replayed: false };
    const { clientMessageId, attachments, ...rest } = input;
    const fingerprint = sendFingerprint({ what: 'start', ...rest, attachments: attachmentsFingerprint(attachments) });
    return this.once.run(sendKeyId({ start: true, userId: viewer.id }, clientMessageId), fingerprint, (messageId) => this.startNew(viewer, input, messageId), async (messageId) => {
      const message = await this.models.Message.findById(messageId).lean();
      const ticket = message && (await this.models.Ticket.findById(message.ticketId).lean());
      if (!message || !ticket) return null;
      // Transferred since to a department the agent is not in: not shown, and still not started twice.
      if (!canSee(viewer, ticket)) throw new NotFoundError('Ticket');
      return { ticket, message };
    });
  }

  private async startNew(viewer: Viewer, input: StartConversationInput, messageId: Types.ObjectId): Promise<{ ticket: Ticket; message: Message }> {
    const inbox = Types.ObjectId.isValid(input.inboxId) ? await this.models.Inbox.findById(input.inboxId).lean() : null;
    if (!inbox) throw new NotFoundError('Inbox');
    if (!seesAllTickets(viewer) && inbox.departmentId && !viewer.departmentIds.includes(String(inbox.departmentId))) {
      throw new ForbiddenError(`Inbox "${inbox.name}" belongs to a department you are not in`);
    }
    if (!inbox.enabled) throw new AppError('INBOX_DISABLED', `Inbox "${inbox.name}" is disabled`);
    if (!startableChannels.includes(inbox.kind)) {
      throw new AppError('CANNOT_START_CONVERSATION', `A ${inbox.kind} inbox cannot write to a customer first; email, SMS and WhatsApp inboxes can`);
    }
    const phoneChannel = phoneChannels.includes(inbox.kind);
    if (!phoneChannel && !input.subject) throw new ValidationError('An email needs a subject', [{ path: 'subject', message: 'must not be empty' }]);
    // Twilio fetches MMS media from a public URL, which agents' files do not have: refused now, not at delivery.
    if (inbox.kind === 'sms' && input.attachments.length) {
      throw new ValidationError('SMS cannot carry files', [{ path: 'attachments', message: 'send the text alone by SMS' }]);
    }
    // Before the contact and the conversation claim are written: a refused file must leave nothing behind.
    const files = this.compose.decodeAttachments(input);
    const recipient = recipientFor(inbox.kind, input.to);
    const contact = await this.contacts.resolve(recipient.identityKeys, { ...recipient.hints, ...(input.name ? { name: input.name } : {}) });
    if (inbox.kind === 'whatsapp') useKnownWhatsAppChat(recipient, contact.identities);
    // Read fresh: the resolver's cached contact may predate a STOP.
    if (inbox.kind === 'sms' && (await this.models.Contact.findById(contact._id, { optedOut: 1 }).lean())?.optedOut?.sms) {
      throw new AppError('CONTACT_OPTED_OUT', `${recipient.address} opted out of SMS (STOP); they must write START before we may write to them`);
    }

    // Chat channels: the conversation must name the new ticket before it exists, as for a first inbound message.
    let ticketId = new Types.ObjectId();
    let previous: Ticket | null = null;
    if (recipient.conversationId) {
      const claim = await this.placement.claimForStart(String(inbox._id), recipient.conversationId, ticketId);
      if (claim.kind === 'active') throw conversationOpen(claim.ticket, viewer);
      ({ ticketId, previous } = claim);
    }

    const attachments = await this.compose.storeAttachments(input, files);
    const now = new Date();
    const draft = {
      _id: ticketId,
      subject: input.subject ?? titleOf(input.text),
      // The agent already wrote: the conversation is open and its first response given.
      status: 'open' as const,
      priority: 'normal' as const,
      tags: [],
      ...(inbox.departmentId ? { departmentId: inbox.departmentId } : {}),
      assigneeId: new Types.ObjectId(viewer.id),
      contactId: contact._id,
      inboxId: inbox._id,
      channel: inbox.kind,
      replyTo: { ...recipient.replyTo, ...(contact.name ? { displayName: contact.name } : {}) },
      participants: recipient.participants,
      firstResponseAt: now,
      createdAt: now,
      lastMessageAt: now,
      lastMessagePreview: messagePreview(input.text, attachments),
      reopenCount: 0,
      ...(previous ? { previousTicketId: previous._id } : {}),
      mergedTicketIds: [],
      createdDay: dayBucket(now, this.config.tickets.timeZone),
    };
    const initial = await this.sla().initial({ inboxId: inbox._id, channel: inbox.kind, contactId: contact._id, departmentId: inbox.departmentId ?? null, priority: 'normal', createdAt: now });
    const decided = await this.sla().decide({ ...draft, number: 0, updatedAt: now, ...initial } as Ticket, { kind: 'agent-reply', first: true });
    const { ticket, created: inserted } = await this.numbers.insert({ ...draft, sla: decided.sla, slaDueAt: decided.slaDueAt });
    // The customer's own first message finished our claim a moment before us: their ticket is the conversation's.
    if (!inserted) throw conversationOpen(ticket, viewer);
    this.audit.startChain(ticket._id);

    const actor: Actor = { type: 'user', id: viewer.id, name: viewer.name };
    // Written before the message, so the thread reads "ticket created", then the first message.
    const createdAudit = await this.audit.append(
      ticket._id,
      'ticket.created',
      actor,
      {
        number: ticket.number,
        channel: inbox.kind,
        inboxId: String(inbox._id),
        contactId: String(contact._id),
        startedBy: { id: viewer.id, name: viewer.name },
        to: recipient.address,
        ...(previous ? { followUpOf: previous.number } : {}),
      },
    );
    const sentAt = new Date();
    const emailMessageId = recipient.conversationId ? undefined : this.compose.newEmailMessageId(String(ticket._id));
    // Its thread entry, keys and outbox entry first, as every message of ours (ComposeService.claimNew).
    const order = await this.compose.claimNew(
      ticket._id,
      { _id: messageId, occurredAt: sentAt, inboxId: inbox._id, attachments, ...(emailMessageId ? { emailMessageId } : {}) },
      { lane: laneOf(inbox._id, recipient.replyTo) },
    );
    const [created] = await this.models.Message.insertMany([
      {
        _id: messageId,
        ticketId: ticket._id,
        inboxId: inbox._id,
        channel: inbox.kind,
        direction: 'outbound',
        kind: 'message',
        author: { type: 'agent', userId: new Types.ObjectId(viewer.id), name: viewer.name },
        text: input.text,
        attachments,
        providerKey: `out:${String(messageId)}`,
        ...(recipient.conversationId ? { conversationId: recipient.conversationId } : { emailMessageId: emailMessageId! }),
        threading: { references: [] },
        delivery: { status: 'queued', attempts: 0, history: [{ status: 'queued', at: sentAt }] },
        order,
        occurredAt: sentAt,
      },
    ]);
    const message = created!.toObject() as Message;
    const queuedAudit = await this.audit.append(ticket._id, 'message.reply_queued', actor, { messageId: String(messageId), attachments: attachments.length }, `message:${String(messageId)}`);
    const scope = ticketScope(ticket);
    this.bus.publish({ type: 'ticket.created', seq: createdAudit.seq, at: createdAudit.at.toISOString(), scope, ticket: toTicketSummary(ticket) });
    this.bus.publish({ type: 'message.created', seq: queuedAudit.seq, at: queuedAudit.at.toISOString(), scope, message: toMessageView(message) });
    await this.queue().enqueue(String(messageId), 1);
    this.logger.info({ ticketId: String(ticket._id), number: ticket.number, inboxId: String(inbox._id), by: viewer.id }, 'conversation started by an agent');
    return { ticket, message };
  }
}

/**
 * The number already has an active ticket on this inbox. Not a second one: the customer's answer threads by
 * the conversation into the active ticket, so a new ticket would never hear back (Chatwoot's and Zammad's
 * chat inboxes likewise keep one open conversation per contact and channel). The agent writes there instead.
 */
function conversationOpen(ticket: Ticket, viewer: Viewer): AppError {
  // Which ticket only to someone who may open it (it may have been transferred to another department).
  if (!canSee(viewer, ticket)) {
    return new AppError('CONVERSATION_OPEN', 'This customer already has an open conversation on this inbox, in a ticket you cannot see. Ask a supervisor.');
  }
  return new AppError(
    'CONVERSATION_OPEN',
    `This customer already has an open conversation on this inbox: ticket #${ticket.number}. Write there instead.`,
    { ticketId: String(ticket._id), number: ticket.number },
  );
}
