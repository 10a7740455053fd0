import { Types } from 'mongoose';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Actor, AuditLog } from '../audit/audit-log.js';
import type { Config } from '../config/config.js';
import type { ContactResolver } from '../contacts/contact-resolver.js';
import { emailKey } from '../contacts/identity-key.js';
import type { ChannelKind } from '../domain/channel-kind.js';
import { AppError, ForbiddenError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ticketScope, toMessageView, toTicketSummary } from '../events/views.js';
import type { Message } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { ThreadEntries } from '../tickets/thread-entries.js';
import type { Ticket } from '../models/ticket.js';
import type { SlaEngine } from '../sla/sla-engine.js';
import { messagePreview } from '../tickets/message-preview.js';
import type { TicketNumbers } from '../tickets/ticket-number.js';
import { dayBucket } from '../time/day-bucket.js';
import { seesAllTickets, type Viewer } from '../users/viewer.js';
import { ComposeSchema, type ComposeService } from './compose-service.js';
import type { OutboundQueue } from './outbound-queue.js';

/**
 * Channels whose inboxes may write to a customer first. Email: the first mail carries our signed Message-ID and
 * the customer's answer threads back by it, whatever the conversation. Not (yet) the others: Telegram bots
 * cannot write to a user who has not opened the chat; Messenger allows nothing outside the 24-hour window.
 * The Twilio SMS and WhatsApp adapters could send to a phone number, but their answers thread only by the
 * conversation key (`conv:<inbox>:<conversationId>`), which starting would have to claim or move to the new
 * ticket (what if that conversation has an active ticket; placement's pointer cache; SMS opt-out) — not done.
 */
export const startableChannels: readonly ChannelKind[] = ['email'];

export const StartConversationSchema = ComposeSchema.extend({
  inboxId: z.string().regex(/^[0-9a-f]{24}$/i, 'must be an inbox id'),
  /** The customer's email address (an existing contact's, or a new one). */
  to: z.string().trim().min(1, 'must not be empty').max(320),
  /** The contact's name, used only when the address makes a new contact. */
  name: z.string().trim().max(200).optional(),
  subject: z.string().trim().min(1, 'must not be empty').max(250),
});
export type StartConversationInput = z.infer<typeof StartConversationSchema>;

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
    private readonly threadEntries: ThreadEntries,
  ) {}

  async start(viewer: Viewer, input: StartConversationInput): Promise<{ ticket: Ticket; message: Message }> {
    const inbox = Types.ObjectId.isValid(input.inboxId) ? await this.models.Inbox.findById(input.inboxId).lean() : null;
    if (!inbox) throw new NotFoundError('Inbox');
    if (!seesAllTickets(viewer) && inbox.departmentId && !viewer.departmentIds.includes(String(inbox.departmentId))) {
      throw new ForbiddenError(`Inbox "${inbox.name}" belongs to a department you are not in`);
    }
    if (!inbox.enabled) throw new AppError('INBOX_DISABLED', `Inbox "${inbox.name}" is disabled`);
    if (!startableChannels.includes(inbox.kind)) {
      throw new AppError('CANNOT_START_CONVERSATION', `A ${inbox.kind} inbox cannot write to a customer first; only email inboxes can`);
    }
    const key = emailKey(input.to);
    if (!key) throw new ValidationError('Invalid email address', [{ path: 'to', message: 'must be an email address' }]);
    const address = key.slice('email:'.length);
    const contact = await this.contacts.resolve([key], { email: address, ...(input.name ? { name: input.name } : {}) });

    const attachments = await this.compose.storeAttachments(input);
    const now = new Date();
    const ticketId = new Types.ObjectId();
    const draft = {
      _id: ticketId,
      subject: input.subject,
      // The agent already wrote: the conversation is open and its first response given.
      status: 'open' as const,
      priority: 'normal' as const,
      tags: [],
      ...(inbox.departmentId ? { departmentId: inbox.departmentId } : {}),
      assigneeId: new Types.ObjectId(viewer.id),
      contactId: contact._id,
      inboxId: inbox._id,
      channel: inbox.kind,
      replyTo: { handle: address, email: address, ...(contact.name ? { displayName: contact.name } : {}) },
      participants: [address],
      firstResponseAt: now,
      createdAt: now,
      lastMessageAt: now,
      lastMessagePreview: messagePreview(input.text, attachments),
      reopenCount: 0,
      mergedTicketIds: [],
      createdDay: dayBucket(now, this.config.tickets.timeZone),
    };
    const initial = await this.sla().initial({ inboxId: inbox._id, channel: inbox.kind, contactId: contact._id, departmentId: inbox.departmentId ?? null, priority: 'normal', createdAt: now });
    const decided = await this.sla().decide({ ...draft, number: 0, updatedAt: now, ...initial } as Ticket, { kind: 'agent-reply', first: true });
    const { ticket } = await this.numbers.insert({ ...draft, sla: decided.sla, slaDueAt: decided.slaDueAt });
    this.audit.startChain(ticket._id);

    const actor: Actor = { type: 'user', id: viewer.id, name: viewer.name };
    // Written before the message, so the thread reads "ticket created", then the first message.
    const createdAudit = await this.audit.append(
      ticket._id,
      'ticket.created',
      actor,
      { number: ticket.number, channel: inbox.kind, inboxId: String(inbox._id), contactId: String(contact._id), startedBy: { id: viewer.id, name: viewer.name }, to: address },
    );
    const sentAt = new Date();
    const messageId = new Types.ObjectId();
    // Its thread entry first, as every message write does (tickets/thread-entries.ts).
    await this.threadEntries.claim(ticket._id, { _id: messageId, occurredAt: sentAt });
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
        emailMessageId: this.compose.newEmailMessageId(String(ticket._id)),
        threading: { references: [] },
        delivery: { status: 'queued', attempts: 0, history: [{ status: 'queued', at: sentAt }] },
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
