import { Types } from 'mongoose';
import { conversationKeyId, successorKeyId } from '../models/conversation-key.js';
import type { Message } from '../models/message.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { readThreadByEntries } from '../tickets/thread-entries.js';

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
  /** Who answered (an agent's name) on an outbound message; null for the customer's own and Ponte's messages. */
  authorName: string | null;
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

type TicketLink = Pick<
  Ticket,
  '_id' | 'number' | 'status' | 'createdAt' | 'previousTicketId' | 'inboxId' | 'replyTo' | 'mergedInto' | 'mergedTicketIds'
>;
const LINK_FIELDS = { number: 1, status: 1, createdAt: 1, previousTicketId: 1, inboxId: 1, replyTo: 1, mergedInto: 1, mergedTicketIds: 1 } as const;

/** Tickets of one conversation read for its history: follow-ups beyond this are left out. */
const MAX_TICKETS = 50;

/** Messages of a conversation's tickets read through their entries; a longer history goes to the query. */
const THREAD_CAP = 2_000;

export class CustomerConversationService {
  /** `byEntries`: read threads by `_id` through their entries (the embedded database; MongoDB has the index). */
  constructor(
    private readonly models: Models,
    private readonly byEntries: () => Promise<boolean> = async () => false,
  ) {}

  /**
   * The conversation's newest `max` tickets, oldest first: from its key to the newest follow-up, then back along
   * `previousTicketId`. Reads by `_id` only: the chat page is public, and a query on the conversation
   * id reads every ticket on the embedded database (a page load of a visitor who never wrote costs
   * one key lookup).
   */
  private async ticketsOf(inboxId: string, conversationId: string, max = MAX_TICKETS) {
    if (!Types.ObjectId.isValid(inboxId)) return [];
    const key = await this.models.ConversationKey.findById(conversationKeyId(inboxId, conversationId)).lean();
    if (!key) return [];
    let newest = key.ticketId;
    for (let hop = 0; hop < MAX_TICKETS; hop++) {
      const next = await this.models.ConversationKey.findById(successorKeyId(String(newest))).lean();
      if (!next) break;
      newest = next.ticketId;
    }
    const ours = (t: TicketLink) => String(t.inboxId) === inboxId && t.replyTo?.conversationId === conversationId;
    const tickets: TicketLink[] = [];
    // A follow-up whose ticket is not written yet (its run is under way or failed): start from the key's.
    const starts = newest.equals(key.ticketId) ? [newest] : [newest, key.ticketId];
    for (let i = 0; i < starts.length && i < MAX_TICKETS; i++) {
      let id: Types.ObjectId | undefined = starts[i];
      while (id && tickets.length < max) {
        const t: TicketLink | null = await this.models.Ticket.findById(id, LINK_FIELDS).lean();
        if (!t) break;
        if (!ours(t)) {
          // The conversation's pointer follows merges: this is another conversation's ticket that ours was
          // merged into, and ours is among the tickets merged into it (newest last).
          if (!tickets.length) starts.push(...[...(t.mergedTicketIds ?? [])].reverse());
          break;
        }
        tickets.push(t);
        id = t.previousTicketId;
      }
      if (tickets.length) break;
    }
    return tickets.reverse();
  }

  /**
   * The tickets the conversation's newest ticket was merged into (its later messages go there), by `_id`.
   */
  private async mergeTargets(newest: TicketLink): Promise<TicketLink[]> {
    const targets: TicketLink[] = [];
    for (let id = newest.mergedInto; id && targets.length < MAX_TICKETS; ) {
      const t: TicketLink | null = await this.models.Ticket.findById(id, LINK_FIELDS).lean();
      if (!t) break;
      targets.push(t);
      id = t.mergedInto;
    }
    return targets;
  }

  /**
   * Latest ticket of the conversation and its last `limit` customer-visible messages (oldest first).
   *
   * Isolation: only this conversation's messages — inbound from it, replies addressed to it (each message
   * records its `conversationId`) — whatever merges put on a ticket. After an agent merges visitor X's ticket
   * into visitor Y's, X still sees their messages (also those that now go to Y's ticket) and Y never sees X's.
   * Messages stored before `conversationId` existed count as their own ticket's conversation.
   */
  async history(inboxId: string, conversationId: string, limit = 200) {
    const own = await this.ticketsOf(inboxId, conversationId);
    const newest = own.at(-1);
    if (!newest) return { ticket: null, messages: [] as CustomerMessage[] };
    const targets = await this.mergeTargets(newest);
    const current = targets.at(-1) ?? newest;
    const ticketIds = [...own, ...targets].map((t) => t._id);
    const rows = (await this.byEntries()) ? await this.newestByEntries(ticketIds, own, inboxId, conversationId, limit) : null;
    const messages =
      rows ??
      (
        await this.models.Message.find({
          ticketId: { $in: ticketIds },
          inboxId: new Types.ObjectId(inboxId),
          kind: 'message',
          direction: { $in: ['inbound', 'outbound'] },
          $or: [{ conversationId }, { conversationId: { $exists: false }, ticketId: { $in: own.map((t) => t._id) } }],
        })
          .sort({ occurredAt: -1, _id: -1 })
          .limit(limit)
          .lean()
      ).reverse();
    return { ticket: { number: current.number, status: current.status }, messages: messages.map(toCustomerMessage) };
  }

  /**
   * The query's answer (oldest first) from the tickets' threads read by `_id`: every message of them (up to
   * THREAD_CAP), filtered as the query filters; null when a thread's entries are incomplete or too long.
   */
  private async newestByEntries(ticketIds: Types.ObjectId[], own: TicketLink[], inboxId: string, conversationId: string, limit: number): Promise<Message[] | null> {
    const all = await readThreadByEntries<Message>(this.models, ticketIds, new Set(), undefined, THREAD_CAP + 1, (id) => this.models.Message.findOne({ _id: id }).lean());
    if (!all || all.length > THREAD_CAP) return null;
    const ownIds = new Set(own.map((t) => String(t._id)));
    const visible = all.filter(
      (m) =>
        String(m.inboxId) === inboxId &&
        m.kind === 'message' &&
        (m.direction === 'inbound' || m.direction === 'outbound') &&
        (m.conversationId === conversationId || (m.conversationId === undefined && ownIds.has(String(m.ticketId)))),
    );
    return visible.slice(-limit);
  }

  async ticketRef(ticketId: string): Promise<CustomerTicketRef | null> {
    if (!Types.ObjectId.isValid(ticketId)) return null;
    const t = await this.models.Ticket.findById(ticketId, { number: 1, status: 1, inboxId: 1, channel: 1, replyTo: 1 }).lean();
    if (!t) return null;
    return { id: String(t._id), number: t.number, status: t.status, inboxId: String(t.inboxId), channel: t.channel, conversationId: t.replyTo?.conversationId ?? null };
  }

  /**
   * What a customer of this ticket is shown: the ticket itself, or — after it was merged — the ticket it was
   * merged into (their messages go there, and replies come from there). By `_id`.
   */
  async shownTicket(ticketId: string): Promise<{ number: number; status: string } | null> {
    if (!Types.ObjectId.isValid(ticketId)) return null;
    const t: TicketLink | null = await this.models.Ticket.findById(ticketId, LINK_FIELDS).lean();
    if (!t) return null;
    const current = (await this.mergeTargets(t)).at(-1) ?? t;
    return { number: current.number, status: current.status };
  }

  /** Was `ticketId` merged into `targetId` (directly or along a chain of merges)? By `_id`. */
  async wasMergedInto(ticketId: string, targetId: string): Promise<boolean> {
    if (!Types.ObjectId.isValid(ticketId)) return false;
    const t: TicketLink | null = await this.models.Ticket.findById(ticketId, LINK_FIELDS).lean();
    return t ? (await this.mergeTargets(t)).some((x) => String(x._id) === targetId) : false;
  }

  /** The customer conversations of the tickets merged into this one (their customers follow this ticket). */
  async mergedConversations(ticketId: string): Promise<Array<{ ticketId: string; inboxId: string; channel: string; conversationId: string }>> {
    if (!Types.ObjectId.isValid(ticketId)) return [];
    const t = await this.models.Ticket.findById(ticketId, { mergedTicketIds: 1 }).lean();
    const out: Array<{ ticketId: string; inboxId: string; channel: string; conversationId: string }> = [];
    for (const id of (t?.mergedTicketIds ?? []).slice(0, MAX_TICKETS)) {
      const ref = await this.ticketRef(String(id));
      if (ref?.conversationId) out.push({ ticketId: ref.id, inboxId: ref.inboxId, channel: ref.channel, conversationId: ref.conversationId });
    }
    return out;
  }

  /** Has the conversation started (its key claimed by a first message)? One `_id` lookup. */
  async exists(inboxId: string, conversationId: string): Promise<boolean> {
    return (await this.models.ConversationKey.findById(conversationKeyId(inboxId, conversationId), { _id: 1 }).lean()) !== null;
  }

  /**
   * Latest ticket of the conversation (for typing indicators and the ticket number): after a merge, the ticket
   * it was merged into, where the agents now answer.
   */
  async currentTicket(inboxId: string, conversationId: string): Promise<{ id: string; number: number; status: string } | null> {
    const newest = (await this.ticketsOf(inboxId, conversationId, 1)).at(-1);
    const t = newest ? ((await this.mergeTargets(newest)).at(-1) ?? newest) : undefined;
    return t ? { id: String(t._id), number: t.number, status: t.status } : null;
  }

  /** An attachment of a customer-visible message of this conversation, or null. */
  async attachment(inboxId: string, conversationId: string, messageId: string, index: number) {
    if (!Types.ObjectId.isValid(messageId)) return null;
    const m = await this.models.Message.findById(messageId).lean();
    if (!m || m.kind !== 'message' || m.direction === 'internal' || String(m.inboxId) !== inboxId) return null;
    if (m.conversationId !== undefined) return m.conversationId === conversationId ? (m.attachments[index] ?? null) : null;
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
    authorName: m.direction === 'outbound' && m.author.type === 'agent' ? (m.author.name ?? null) : null,
    providerMessageId: m.direction === 'inbound' ? (m.providerMessageId ?? null) : null,
    attachments: m.attachments.map((a, index) => ({ index, fileName: a.fileName, mimeType: a.mimeType, size: a.size })),
  };
}
