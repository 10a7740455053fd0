import type { Types } from 'mongoose';
import type { MessageReceived } from '../domain/inbound-event.js';
import type { Contact } from '../models/contact.js';
import type { Ticket } from '../models/ticket.js';
import type { ThreadDecision } from './decide-thread.js';

/** What placement needs to know about a message: the event, its resolved sender, the inbox's reopen window. */
export interface PlacementInput {
  event: MessageReceived;
  contact: Contact;
  reopenWindowMs: number;
}

/**
 * Why a ticket must be written before the message can be placed:
 *  - `claimed-conversation`: the first message of a conversation whose key this run just claimed,
 *  - `new-ticket`: `decideThread` chose a new ticket (a new conversation, or a follow-up of `previous`),
 *  - `unfinished-claim`: a conversation key whose writer stopped before inserting its ticket (a crash).
 */
export type CreateReason = 'claimed-conversation' | 'new-ticket' | 'unfinished-claim';

/**
 * Write ticket `ticketId` (a follow-up of `previous` when given), then hand the result to
 * `TicketPlacement.afterCreate`, which says where the message goes. `resume` is placement's own
 * bookkeeping (how far it got), carried by the caller untouched.
 */
export interface CreateTicket {
  kind: 'create';
  ticketId: Types.ObjectId;
  previous?: Ticket;
  reason: CreateReason;
  resume: { round: number; finished: number; pointer?: Types.ObjectId | null; decision?: ThreadDecision; keyId?: string };
}

/**
 * Placement's answer. `join`: the message joins an active ticket; `reopen`: it joins a solved ticket,
 * which the caller reopens; `created`: it joins the ticket the caller just wrote for a `create`.
 * Placement only reads and claims conversation keys: every ticket write is the ingest step's.
 */
export type PlacementDecision =
  | { kind: 'join'; ticket: Ticket; decision: ThreadDecision }
  | { kind: 'reopen'; ticket: Ticket; decision: ThreadDecision }
  | { kind: 'created'; ticket: Ticket; decision: ThreadDecision }
  | CreateTicket;
