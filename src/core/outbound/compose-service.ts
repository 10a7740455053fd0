import { Types } from 'mongoose';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { AuditLog } from '../audit/audit-log.js';
import { checkAttachments } from '../attachments/attachment-limits.js';
import { sanitizeFileName, uniqueFileName } from '../attachments/file-name.js';
import type { GridFsBlobStore } from '../attachments/blob-store.js';
import type { Config } from '../config/config.js';
import type { ChannelRegistry, ReplyWindow } from '../domain/channel-adapter.js';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { DomainEvent } from '../events/domain-events.js';
import type { DomainEventBus } from '../events/event-bus.js';
import { ticketScope, toMessageView, toTicketSummary } from '../events/views.js';
import type { Message, StoredAttachment } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { slaAuditEntries, type SlaEngine } from '../sla/sla-engine.js';
import { createOutboundMessageId } from '../threading/message-id.js';
import type { ThreadEntries } from '../tickets/thread-entries.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import type { TicketService } from '../tickets/ticket-service.js';
import { inVisibleThread } from '../tickets/visible-thread.js';
import type { Viewer } from '../users/viewer.js';
import { messagePreview } from '../tickets/message-preview.js';
import type { KeyedMessage, MessageKeys } from '../messages/message-keys.js';
import type { Outbox } from './outbox.js';
import type { OutboundQueue } from './outbound-queue.js';
import { sendingInboxRefusal } from './sending-inbox.js';
import { laneOf, takePlace, type DeliveryOrder } from './conversation-lanes.js';
import { attachmentsFingerprint, ClientMessageIdSchema, sendFingerprint, sendKeyId, type Once, type SendOnce } from './send-once.js';
import { chooseRecipient, lastMessageFrom, replyRecipients, type ReplyRecipient, type ReplyRecipients } from './reply-recipients.js';

export const ComposeAttachmentSchema = z.object({
  fileName: z.string().min(1).max(255).refine((n) => !/[\\/\0]/.test(n), 'must not contain path separators'),
  mimeType: z.string().min(3).max(255).regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type'),
  contentBase64: z.string().min(1).regex(/^[A-Za-z0-9+/=\s]+$/, 'must be base64'),
});

export const ComposeSchema = z.object({
  text: z.string().trim().min(1, 'must not be empty').max(100_000),
  attachments: z.array(ComposeAttachmentSchema).max(20).default([]),
  clientMessageId: ClientMessageIdSchema.optional(),
});
export type ComposeInput = z.infer<typeof ComposeSchema>;

/** A compose's file decoded and within the limits, not stored yet. */
export interface DecodedAttachment {
  fileName: string;
  mimeType: string;
  bytes: Buffer;
}

/** A reply may name its recipient (a ticket with merged customers has several); by default see `replyRecipients`. */
export const ReplySchema = ComposeSchema.extend({
  recipientId: z
    .string()
    .regex(/^[0-9a-f]{24}$/i, 'must be a recipient id')
    .optional()
    .describe('One of GET /api/tickets/:id/recipients; default: the customer who wrote last'),
});
export type ReplyInput = ComposeInput & { recipientId?: string | undefined };

/** Who a stored reply goes to, decided before it is stored. */
interface ReplyTarget {
  recipient: ReplyRecipient;
  lastCustomerMessageAt: Date | undefined;
  /** The ticket has more than one recipient: the audit names the chosen one. */
  several: boolean;
}

/**
 * Agent replies and internal notes. A reply is stored `queued` first and then
 * handed to the job queue; the HTTP request never waits for the platform.
 * Notes are never handed to any channel.
 */
export class ComposeService {
  constructor(
    private readonly models: Models,
    private readonly tickets: TicketService,
    private readonly blobs: GridFsBlobStore,
    private readonly audit: AuditLog,
    private readonly locks: TicketLocks,
    private readonly bus: DomainEventBus,
    private readonly queue: () => OutboundQueue,
    private readonly config: Config,
    private readonly secret: string,
    private readonly logger: Logger,
    private readonly threadEntries: ThreadEntries,
    private readonly outbox: Outbox,
    private readonly keys: MessageKeys,
    private readonly once: SendOnce,
    private readonly channels?: ChannelRegistry,
  ) {}

  private slaEngine: SlaEngine | undefined;
  private wholeThread: ((ticket: Ticket) => Promise<Message[]>) | undefined;

  /**
   * Where an email reply finds the mail it answers: the ticket's thread read by `_id` (the embedded database,
   * where the query on the messages reads every message, for every reply); unset, the query (MongoDB, indexed).
   */
  useThreadReader(read: (ticket: Ticket) => Promise<Message[]>): void {
    this.wholeThread = read;
  }

  useSla(engine: SlaEngine): void {
    this.slaEngine = engine;
  }

  private get sla(): SlaEngine {
    if (!this.slaEngine) throw new Error('SLA engine not wired (createCore calls useSla)');
    return this.slaEngine;
  }

  /**
   * The platform's reply window for this ticket (Messenger: 24 hours after the customer's last message),
   * or null when its channel has none. Asked before a reply is queued, and by the console before sending.
   */
  async replyWindow(viewer: Viewer, ticketId: string): Promise<ReplyWindow | null> {
    const ticket = await this.tickets.get(viewer, ticketId);
    return this.windowOf(String(ticket.inboxId), ticket.lastCustomerMessageAt ?? undefined);
  }

  private windowOf(inboxId: string, lastCustomerMessageAt: Date | undefined): ReplyWindow | null {
    const adapter = this.channels?.adapterFor(inboxId);
    return adapter?.replyWindow?.(lastCustomerMessageAt, new Date()) ?? null;
  }

  /** The customer conversations a reply on this ticket can go to (several after a merge), and the default. */
  async recipients(viewer: Viewer, ticketId: string): Promise<ReplyRecipients> {
    return replyRecipients(this.models, await this.tickets.get(viewer, ticketId));
  }

  async reply(viewer: Viewer, ticketId: string, input: ReplyInput): Promise<Message> {
    return (await this.replyOnce(viewer, ticketId, input)).result;
  }

  async note(viewer: Viewer, ticketId: string, input: ComposeInput): Promise<Message> {
    return (await this.noteOnce(viewer, ticketId, input)).result;
  }

  /** A reply; with a `clientMessageId`, at most one per key (see SendOnce): a resend answers with the first. */
  async replyOnce(viewer: Viewer, ticketId: string, input: ReplyInput): Promise<Once<Message>> {
    const ticket = await this.tickets.get(viewer, ticketId);
    return this.keyed(viewer, ticket, 'reply', input, (messageId) => this.sendReply(viewer, ticket, input, messageId));
  }

  /** An internal note; with a `clientMessageId`, at most one per key. */
  async noteOnce(viewer: Viewer, ticketId: string, input: ComposeInput): Promise<Once<Message>> {
    const ticket = await this.tickets.get(viewer, ticketId);
    return this.keyed(viewer, ticket, 'note', input, (messageId) => this.store(viewer, ticket, input, 'note', undefined, messageId));
  }

  /**
   * Without a key, the send as always. With one: the key is the author's on this ticket, and stands for what
   * was sent (reply or note, text, files, recipient); a resend is answered from the stored message, even after
   * the ticket changed since (merged, window closed), because that send was accepted.
   */
  private async keyed(viewer: Viewer, ticket: Ticket, what: 'reply' | 'note', input: ReplyInput, work: (messageId: Types.ObjectId) => Promise<Message>): Promise<Once<Message>> {
    if (!input.clientMessageId) return { result: await work(new Types.ObjectId()), replayed: false };
    const id = sendKeyId({ ticketId: String(ticket._id), userId: viewer.id }, input.clientMessageId);
    const fingerprint = sendFingerprint({ what, text: input.text, attachments: attachmentsFingerprint(input.attachments), recipientId: input.recipientId ?? null });
    return this.once.run(id, fingerprint, work, (messageId) => this.models.Message.findById(messageId).lean());
  }

  private async sendReply(viewer: Viewer, ticket: Ticket, input: ReplyInput, messageId: Types.ObjectId): Promise<Message> {
    if (ticket.mergedInto) throw new ConflictError('TICKET_MERGED', 'This ticket was merged; reply on the ticket it was merged into');
    const recipients = await replyRecipients(this.models, ticket);
    const recipient = chooseRecipient(recipients, input.recipientId);
    const refusal = await sendingInboxRefusal(this.models, recipient.inboxId);
    if (refusal?.code === 'INBOX_DISABLED') throw new ConflictError('INBOX_DISABLED', refusal.reason);
    if (refusal) throw new NotFoundError('Inbox');
    const lastCustomerMessageAt = await lastMessageFrom(this.models, ticket, recipient);
    const window = this.windowOf(recipient.inboxId, lastCustomerMessageAt);
    if (window && !window.canReply) {
      const reason = window.detail ?? 'The platform no longer accepts replies to this conversation';
      throw new AppError('OUTSIDE_MESSAGING_WINDOW', reason, { channelWindow: window });
    }
    const message = await this.store(viewer, ticket, input, 'reply', { recipient, lastCustomerMessageAt, several: recipients.items.length > 1 }, messageId);
    await this.queue().enqueue(String(message._id), 1);
    return message;
  }

  /**
   * A message Ponte itself sends to the customer on their own channel (acknowledgement, rating request,
   * reminder): stored `queued` like a reply, marked `automatic` (email: Auto-Submitted), audited under
   * `auditType`, announced, delivered by the same worker. It is not an agent reply: no first response.
   */
  async sendAutomatic(ticket: Ticket, text: string, auditType: string, auditData: Record<string, unknown> = {}): Promise<Message> {
    const _id = new Types.ObjectId();
    const now = new Date();
    const emailMessageId = ticket.channel === 'email' ? createOutboundMessageId(this.secret, String(ticket._id), this.mailDomain()) : undefined;
    const order = await this.claimNew(ticket._id, { _id, occurredAt: now, inboxId: ticket.inboxId, ...(emailMessageId ? { emailMessageId } : {}) }, { lane: laneOf(ticket.inboxId, ticket.replyTo) });
    const [created] = await this.models.Message.insertMany([
      {
        _id,
        ticketId: ticket._id,
        inboxId: ticket.inboxId,
        channel: ticket.channel,
        direction: 'outbound',
        kind: 'message',
        author: { type: 'system', name: 'Ponte' },
        text,
        attachments: [],
        providerKey: `out:${String(_id)}`,
        ...(ticket.replyTo?.conversationId ? { conversationId: ticket.replyTo.conversationId } : {}),
        ...(emailMessageId ? { emailMessageId } : {}),
        threading: await this.replyThreading(ticket),
        delivery: { status: 'queued', attempts: 0, history: [{ status: 'queued', at: now }] },
        automatic: true,
        order,
        occurredAt: now,
      },
    ]);
    const message = created!.toObject() as Message;
    const a = await this.audit.append(ticket._id, auditType, { type: 'system', name: 'Ponte' }, { messageId: String(_id), ...auditData }, `message:${String(_id)}`);
    this.bus.publish({ type: 'message.created', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(ticket), message: toMessageView(message) });
    await this.queue().enqueue(String(_id), 1);
    return message;
  }

  /** Agent-initiated retry of a failed delivery: a new attempt, same message. */
  async retry(viewer: Viewer, messageId: string): Promise<Message> {
    const message = Types.ObjectId.isValid(messageId) ? await this.models.Message.findById(messageId).lean() : null;
    // Also from the thread of a ticket it was merged into, where the agent sees it failed.
    if (!message || !(await inVisibleThread(this.models, this.tickets, viewer, String(message.ticketId)))) throw new NotFoundError('Message');
    if (message.direction !== 'outbound' || message.delivery.status !== 'failed') {
      throw new ConflictError('NOT_RETRYABLE', 'Only failed outbound messages can be retried');
    }
    await this.outbox.add(message._id);
    // Accepted again now: it goes after what was accepted since it failed, not before (a message queued before
    // order was kept has no lane and keeps none).
    const order = message.order ? await takePlace(this.models, message.order.lane, message._id) : undefined;
    await this.models.Message.updateOne(
      { _id: message._id },
      { $set: { 'delivery.status': 'queued', ...(order ? { order } : {}) }, $push: { 'delivery.history': { status: 'queued', at: new Date(), reason: `retry by ${viewer.name}` } } },
    );
    await this.audit.append(message.ticketId, 'message.retry_requested', { type: 'user', id: viewer.id, name: viewer.name }, { messageId });
    await this.queue().enqueue(messageId, message.delivery.attempts + 1);
    return (await this.models.Message.findById(message._id).lean())!;
  }

  private async store(viewer: Viewer, ticket: Ticket, input: ComposeInput, what: 'reply' | 'note', target: ReplyTarget | undefined, _id: Types.ObjectId): Promise<Message> {
    const attachments = await this.storeAttachments(input);
    const now = new Date();
    const isReply = what === 'reply';
    const to = target?.recipient;
    const threading = isReply ? await this.replyThreading(ticket, to) : { references: [] as string[] };
    // To a merged-away customer: their own ticket's subject (the number in it is this ticket's).
    if (to && !to.own) Object.assign(threading, { subject: to.subject });
    const conversationId = to ? (to.conversationId ?? undefined) : ticket.replyTo?.conversationId;
    const inboxId = to ? new Types.ObjectId(to.inboxId) : ticket.inboxId;
    const emailMessageId = isReply && (to?.channel ?? ticket.channel) === 'email' ? createOutboundMessageId(this.secret, String(ticket._id), this.mailDomain()) : undefined;
    const lane = isReply ? { lane: laneOf(inboxId, { conversationId, handle: to?.to.handle ?? ticket.replyTo.handle }) } : false;
    const order = await this.claimNew(ticket._id, { _id, occurredAt: now, inboxId, attachments, ...(emailMessageId ? { emailMessageId } : {}) }, lane);
    const [created] = await this.models.Message.insertMany([
      {
        _id,
        ticketId: ticket._id,
        inboxId,
        channel: to?.channel ?? ticket.channel,
        direction: isReply ? 'outbound' : 'internal',
        kind: isReply ? 'message' : 'note',
        author: { type: 'agent', userId: new Types.ObjectId(viewer.id), name: viewer.name },
        text: input.text,
        attachments,
        providerKey: `${isReply ? 'out' : 'note'}:${String(_id)}`,
        // The recipient's conversation (what the customer's own history shows).
        ...(isReply && conversationId ? { conversationId } : {}),
        ...(emailMessageId ? { emailMessageId } : {}),
        ...(to ? { recipient: recipientOf(to, target.lastCustomerMessageAt) } : {}),
        threading,
        delivery: { status: isReply ? 'queued' : 'none', attempts: 0, history: [{ status: isReply ? 'queued' : 'none', at: now }] },
        ...(order ? { order } : {}),
        occurredAt: now,
      },
    ]);
    const message = created!.toObject() as Message;
    const events: DomainEvent[] = [];
    const a = await this.audit.append(
      ticket._id,
      isReply ? 'message.reply_queued' : 'message.note_added',
      { type: 'user', id: viewer.id, name: viewer.name },
      { messageId: String(_id), attachments: attachments.length, ...(to && target.several ? { recipientId: to.id, recipientName: to.name, recipientChannel: to.channel } : {}) },
      `message:${String(_id)}`,
    );
    const fresh = isReply ? await this.markAgentReply(ticket, now, events, messagePreview(input.text, attachments)) : ticket;
    events.unshift({ type: 'message.created', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(fresh), message: toMessageView(message) });
    for (const e of events) this.bus.publish(e);
    this.logger.info({ ticketId: String(ticket._id), messageId: String(_id), kind: what }, `${what} stored`);
    return message;
  }

  /** First response time, SLA target and `new → open` follow from an agent reply. */
  private async markAgentReply(ticket: Ticket, at: Date, events: DomainEvent[], preview: string): Promise<Ticket> {
    const { before, after, moves } = await this.locks.run(String(ticket._id), async () => {
      const current = (await this.models.Ticket.findById(ticket._id).lean())!;
      const set: Record<string, unknown> = { lastMessageAt: at, lastMessagePreview: preview };
      if (!current.firstResponseAt) set.firstResponseAt = at;
      if (current.status === 'new') set.status = 'open';
      const sla = await this.sla.decide({ ...current, ...set } as Ticket, { kind: 'agent-reply', first: !current.firstResponseAt });
      set.sla = sla.sla;
      set.slaDueAt = sla.slaDueAt;
      await this.models.Ticket.updateOne({ _id: current._id }, { $set: set });
      return { before: current, after: (await this.models.Ticket.findById(current._id).lean())!, moves: sla.moves };
    });
    const entries = [
      ...(before.status !== after.status ? [{ type: 'ticket.status_changed', actor: { type: 'system' as const, name: 'Ponte' }, data: { from: before.status, to: after.status, reason: 'agent replied' } }] : []),
      ...slaAuditEntries(moves),
    ];
    if (entries.length) {
      // The status change's seq when there is one (reports key facts by it); the `sla.changed` events follow.
      const a = (await this.audit.appendAll(ticket._id, entries))[0]!;
      events.push({ type: 'ticket.updated', seq: a.seq, at: a.at.toISOString(), scope: ticketScope(after), change: before.status !== after.status ? 'status' : 'sla', ticket: toTicketSummary(after) });
    }
    return after;
  }

  /**
   * Email replies answer the newest customer mail and carry the thread's references. With merged tickets, the
   * newest mail of the recipient's own conversation (another customer's thread must not leak into the headers).
   */
  private async replyThreading(ticket: Ticket, to?: ReplyRecipient) {
    // Only mail has Message-IDs to answer: on other channels there is nothing to look for.
    if ((to?.channel ?? ticket.channel) !== 'email') return { references: [] as string[] };
    const mergedCase = Boolean(to && ticket.mergedTicketIds.length);
    let last: Message | null | undefined;
    if (this.wholeThread) {
      // The thread in order, by `_id` reads (the embedded database): the newest mail that matches.
      const own = (m: Message) =>
        mergedCase ? String(m.inboxId) === to!.inboxId && (to!.conversationId ? m.conversationId === to!.conversationId : String(m.ticketId) === to!.id) : m.ticketId.equals(ticket._id);
      last = (await this.wholeThread(ticket)).reverse().find((m) => m.direction === 'inbound' && Boolean(m.emailMessageId) && own(m));
    } else {
      const filter: Record<string, unknown> = mergedCase
        ? {
            ticketId: { $in: [ticket._id, ...ticket.mergedTicketIds] },
            inboxId: new Types.ObjectId(to!.inboxId),
            ...(to!.conversationId ? { conversationId: to!.conversationId } : { ticketId: new Types.ObjectId(to!.id) }),
          }
        : { ticketId: ticket._id };
      last = await this.models.Message.findOne({ ...filter, direction: 'inbound', emailMessageId: { $exists: true } })
        .sort({ occurredAt: -1, _id: -1 })
        .lean();
    }
    if (!last?.emailMessageId) return { references: [] as string[] };
    // Keep the thread root (first) and the newest ids: clients thread by the root.
    const all = [...last.threading.references, last.emailMessageId];
    const references = all.length > 20 ? [all[0]!, ...all.slice(-19)] : all;
    return { inReplyTo: last.emailMessageId, references };
  }

  /**
   * What every new message of ours claims before it is inserted, so a crash in between leaves only claims
   * without their message (each skipped or dropped by its reader), never a message missing from them: its
   * thread entry; its keys — our Message-ID (its echo or bounce may come back any time after the send) and
   * its attachments (who may download them); and, when it is to be sent (`queued`), its outbox entry.
   */
  async claimNew(ticketId: Types.ObjectId, m: KeyedMessage & { occurredAt: Date }, queued: false): Promise<undefined>;
  async claimNew(ticketId: Types.ObjectId, m: KeyedMessage & { occurredAt: Date }, queued: { lane: string }): Promise<DeliveryOrder>;
  async claimNew(ticketId: Types.ObjectId, m: KeyedMessage & { occurredAt: Date }, queued: false | { lane: string }): Promise<DeliveryOrder | undefined>;
  async claimNew(ticketId: Types.ObjectId, m: KeyedMessage & { occurredAt: Date }, queued: false | { lane: string }): Promise<DeliveryOrder | undefined> {
    const [, , , order] = await Promise.all([
      this.threadEntries.claim(ticketId, m),
      this.keys.record(m),
      queued ? this.outbox.add(m._id) : undefined,
      // Its place in the conversation's delivery order, as accepted now (a place without its message is skipped).
      queued ? takePlace(this.models, queued.lane, m._id) : undefined,
    ]);
    return order;
  }

  /** A signed Message-ID for a new outbound email of this ticket (replies to it thread back by it). */
  newEmailMessageId(ticketId: string): string {
    return createOutboundMessageId(this.secret, ticketId, this.mailDomain());
  }

  private mailDomain(): string {
    try {
      return new URL(this.config.publicUrl).hostname || 'ponte.local';
    } catch {
      return 'ponte.local';
    }
  }

  /**
   * Decodes the files and checks the limits, storing nothing: a caller that writes something else first (a new
   * conversation's contact and claim) checks before it, so a refused file leaves nothing behind.
   */
  decodeAttachments(input: ComposeInput): DecodedAttachment[] {
    // The name goes to the customer and to web chat downloads: the same rule as the names customers give, so
    // an agent's file cannot pose as another type by a direction override, nor two share a name.
    const used = new Set<string>();
    const decoded = input.attachments.map((a, i) => ({
      fileName: uniqueFileName(sanitizeFileName(a.fileName) || `attachment-${i + 1}`, used),
      mimeType: a.mimeType,
      bytes: Buffer.from(a.contentBase64, 'base64'),
    }));
    checkAttachments(
      decoded.map((a) => ({ fileName: a.fileName, size: a.bytes.length })),
      this.config.limits,
    );
    return decoded;
  }

  /** Checks the limits (unless already decoded) and stores the files; also used by a new conversation's first message. */
  async storeAttachments(input: ComposeInput, decoded: DecodedAttachment[] = this.decodeAttachments(input)): Promise<StoredAttachment[]> {
    const stored: StoredAttachment[] = [];
    for (const a of decoded) {
      stored.push({ blobId: await this.blobs.put(a.fileName, a.mimeType, a.bytes), fileName: a.fileName, mimeType: a.mimeType, size: a.bytes.length });
    }
    return stored;
  }
}

function recipientOf(to: ReplyRecipient, lastCustomerMessageAt: Date | undefined): NonNullable<Message['recipient']> {
  return {
    ticketId: new Types.ObjectId(to.id),
    handle: to.to.handle,
    ...(to.to.displayName ? { displayName: to.to.displayName } : {}),
    ...(to.to.email ? { email: to.to.email } : {}),
    ...(to.to.phone ? { phone: to.to.phone } : {}),
    ...(lastCustomerMessageAt ? { lastCustomerMessageAt } : {}),
  };
}
