import { Types } from 'mongoose';
import type { ChannelKind } from '../domain/channel-kind.js';
import { ValidationError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';

/**
 * One customer conversation an agent's reply on a ticket can go to. A ticket has its own; every ticket merged
 * into it brings its customer's (after a merge of two customers' tickets, each keeps getting the replies
 * meant for them on their own channel and conversation). `id` is the id of the ticket whose conversation it
 * is: stable, and the same customer's conversation is listed once.
 */
export interface ReplyRecipient {
  id: string;
  ticketNumber: number;
  /** The ticket the reply is written on (its own customer), not one merged into it. */
  own: boolean;
  contactId: string;
  /** The contact's name, else the name the platform gave, else the address. */
  name: string;
  channel: ChannelKind;
  inboxId: string;
  /** Where the reply goes on that channel: what the adapter is handed as `to`. */
  to: Ticket['replyTo'];
  /** Email address, phone number or chat handle, for the agent to tell two recipients apart; empty for a web
   * chat visitor (their handle is an opaque visitor id, nothing a person recognises). */
  address: string;
  conversationId: string | null;
  subject: string;
}

export interface ReplyRecipients {
  items: ReplyRecipient[];
  /** Who a reply goes to when the agent does not choose. */
  defaultId: string;
}

/** Tickets merged into one ticket read for its recipients; beyond this (never seen) the rest are left out. */
const MAX_MERGED = 50;

const oid = (id: string | Types.ObjectId) => (typeof id === 'string' ? new Types.ObjectId(id) : id);
const conversationOf = (inboxId: string, conversationId: string | null, handle: string) => `${inboxId}|${conversationId ?? `handle:${handle}`}`;

/**
 * The recipients of a reply on `ticket`, its own conversation first, then those of the tickets merged into it
 * (read by `_id`). The default is the conversation of the newest customer message in the thread — so an agent
 * answering the merged-away customer right after they wrote answers them — else the ticket's own. A ticket
 * without merges has one recipient and costs one read (its contact's name); the newest-message query runs only
 * when there are several.
 */
export async function replyRecipients(models: Pick<Models, 'Ticket' | 'Contact' | 'Message'>, ticket: Ticket): Promise<ReplyRecipients> {
  const tickets: Ticket[] = [ticket];
  for (const id of ticket.mergedTicketIds.slice(0, MAX_MERGED)) {
    const merged = await models.Ticket.findById(oid(id)).lean();
    if (merged) tickets.push(merged);
  }
  const names = new Map<string, string | undefined>();
  for (const t of tickets) {
    const key = String(t.contactId);
    if (!names.has(key)) names.set(key, (await models.Contact.findById(t.contactId, { name: 1 }).lean())?.name);
  }
  const seen = new Set<string>();
  const items: ReplyRecipient[] = [];
  for (const t of tickets) {
    const conversationId = t.replyTo.conversationId ?? null;
    const key = conversationOf(String(t.inboxId), conversationId, t.replyTo.handle);
    if (seen.has(key)) continue;
    seen.add(key);
    const address = t.replyTo.email ?? t.replyTo.phone ?? (t.channel === 'webchat' ? '' : t.replyTo.handle);
    items.push({
      id: String(t._id),
      ticketNumber: t.number,
      own: t._id.equals(ticket._id),
      contactId: String(t.contactId),
      name: names.get(String(t.contactId)) || t.replyTo.displayName || address || `#${t.number}`,
      channel: t.channel,
      inboxId: String(t.inboxId),
      to: t.replyTo,
      address,
      conversationId,
      subject: t.subject,
    });
  }
  return { items, defaultId: items.length > 1 ? await newestWriter(models, tickets, items) : items[0]!.id };
}

/** The recipient whose conversation the newest customer message of the thread came from (else the own). */
async function newestWriter(models: Pick<Models, 'Message'>, tickets: Ticket[], items: ReplyRecipient[]): Promise<string> {
  const [newest] = await models.Message.find({ ticketId: { $in: tickets.map((t) => t._id) }, direction: 'inbound', kind: 'message' })
    .sort({ occurredAt: -1, _id: -1 })
    .limit(1)
    .lean();
  if (!newest) return items[0]!.id;
  const byConversation = newest.conversationId
    ? items.find((r) => r.inboxId === String(newest.inboxId) && r.conversationId === newest.conversationId)
    : undefined;
  // Messages stored before `conversationId` existed: the conversation of the ticket they were stored on.
  return (byConversation ?? items.find((r) => r.id === String(newest.ticketId)) ?? items[0]!).id;
}

/** The recipient the agent chose (400 when it is not one of the ticket's), or the default. */
export function chooseRecipient(recipients: ReplyRecipients, recipientId: string | undefined): ReplyRecipient {
  const id = recipientId ?? recipients.defaultId;
  const chosen = recipients.items.find((r) => r.id === id);
  if (!chosen) throw new ValidationError('Unknown recipient', [{ path: 'recipientId', message: 'not one of the ticket\'s recipients (GET /api/tickets/:id/recipients)' }]);
  return chosen;
}

/**
 * When the chosen customer last wrote: a merged-away customer's later messages land on the ticket they were
 * merged into, so their own ticket's `lastCustomerMessageAt` stops at the merge. Read only for recipients that
 * are not the ticket's own (a reply window such as Messenger's needs it).
 */
export async function lastMessageFrom(models: Pick<Models, 'Message'>, ticket: Ticket, recipient: ReplyRecipient): Promise<Date | undefined> {
  if (recipient.own) return ticket.lastCustomerMessageAt ?? undefined;
  const [newest] = await models.Message.find({
    ticketId: { $in: [ticket._id, ...ticket.mergedTicketIds] },
    direction: 'inbound',
    inboxId: oid(recipient.inboxId),
    ...(recipient.conversationId ? { conversationId: recipient.conversationId } : { ticketId: oid(recipient.id) }),
  })
    .sort({ occurredAt: -1, _id: -1 })
    .limit(1)
    .lean();
  return newest?.occurredAt;
}
