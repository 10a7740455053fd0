import { Types } from 'mongoose';
import type { Message } from '../models/message.js';
import type { Models } from '../models/registry.js';

/**
 * The customer's side of a conversation, for channels where the customer reads
 * the history from us (the website chat): only the messages exchanged on that
 * inbox and conversation — never internal notes, never system events, never
 * other channels' messages of a merged ticket.
 */
export interface CustomerMessage {
  id: string;
  direction: 'inbound' | 'outbound';
  text: string;
  at: string;
  deliveryStatus: string;
  /** The platform's id of an inbound message (the web chat's client message id), so a page can match its own optimistic copy. */
  providerMessageId: string | null;
  attachments: Array<{ index: number; fileName: string; mimeType: string; size: number }>;
}

export interface CustomerTicketRef {
  id: string;
  number: number;
  status: string;
  inboxId: string;
  channel: string;
  conversationId: string | null;
}

export class CustomerConversationService {
  constructor(private readonly models: Pick<Models, 'Ticket' | 'Message'>) {}

  private ticketsOf(inboxId: string, conversationId: string) {
    if (!Types.ObjectId.isValid(inboxId)) return Promise.resolve([]);
    return this.models.Ticket.find({ inboxId: new Types.ObjectId(inboxId), 'replyTo.conversationId': conversationId }, { _id: 1, number: 1, status: 1, createdAt: 1 })
      .sort({ createdAt: 1 })
      .lean();
  }

  /** Latest ticket of the conversation and its last `limit` customer-visible messages (oldest first). */
  async history(inboxId: string, conversationId: string, limit = 200) {
    const tickets = await this.ticketsOf(inboxId, conversationId);
    const current = tickets.at(-1);
    if (!current) return { ticket: null, messages: [] as CustomerMessage[] };
    const rows = await this.models.Message.find({
      ticketId: { $in: tickets.map((t) => t._id) },
      inboxId: new Types.ObjectId(inboxId),
      kind: 'message',
      direction: { $in: ['inbound', 'outbound'] },
    })
      .sort({ occurredAt: -1, _id: -1 })
      .limit(limit)
      .lean();
    return { ticket: { number: current.number, status: current.status }, messages: rows.reverse().map(toCustomerMessage) };
  }

  async ticketRef(ticketId: string): Promise<CustomerTicketRef | null> {
    if (!Types.ObjectId.isValid(ticketId)) return null;
    const t = await this.models.Ticket.findById(ticketId, { number: 1, status: 1, inboxId: 1, channel: 1, replyTo: 1 }).lean();
    if (!t) return null;
    return { id: String(t._id), number: t.number, status: t.status, inboxId: String(t.inboxId), channel: t.channel, conversationId: t.replyTo?.conversationId ?? null };
  }

  /** Latest ticket of the conversation (for typing indicators and the ticket number). */
  async currentTicket(inboxId: string, conversationId: string): Promise<{ id: string; number: number; status: string } | null> {
    const t = (await this.ticketsOf(inboxId, conversationId)).at(-1);
    return t ? { id: String(t._id), number: t.number, status: t.status } : null;
  }

  /** An attachment of a customer-visible message of this conversation, or null. */
  async attachment(inboxId: string, conversationId: string, messageId: string, index: number) {
    if (!Types.ObjectId.isValid(messageId)) return null;
    const m = await this.models.Message.findById(messageId).lean();
    if (!m || m.kind !== 'message' || m.direction === 'internal' || String(m.inboxId) !== inboxId) return null;
    const t = await this.models.Ticket.findById(m.ticketId, { replyTo: 1 }).lean();
    if (t?.replyTo?.conversationId !== conversationId) return null;
    return m.attachments[index] ?? null;
  }
}

function toCustomerMessage(m: Message): CustomerMessage {
  return {
    id: String(m._id),
    direction: m.direction === 'inbound' ? 'inbound' : 'outbound',
    text: m.text,
    at: m.occurredAt.toISOString(),
    deliveryStatus: m.delivery.status,
    providerMessageId: m.direction === 'inbound' ? (m.providerMessageId ?? null) : null,
    attachments: m.attachments.map((a, index) => ({ index, fileName: a.fileName, mimeType: a.mimeType, size: a.size })),
  };
}
