import { activeStatuses, type TicketStatus } from '../tickets/ticket-enums.js';

/**
 * Where an inbound message goes. Pure: ticket-placement.ts gathers the facts
 * from the database, this decides. Order (first that applies):
 *  1. explicit reference (email In-Reply-To/References to a stored or signed Message-ID),
 *  2. `[#N]` subject token — only when the sender is a participant of ticket N,
 *  3. the chat message this one quotes,
 *  4. the conversation's current ticket,
 *  then: active → append; solved within the reopen window → reopen;
 *  closed, or solved too long ago → new ticket linked to the old one; nothing → new ticket.
 *  An automated message (auto-reply, bounce) never reopens a solved ticket nor opens its follow-up: it is kept
 *  on it — an out-of-office notice answering each of our mails would otherwise reopen the ticket every time.
 */

export interface CandidateTicket {
  id: string;
  number: number;
  status: TicketStatus;
  solvedAt?: Date;
}

export interface ThreadFacts {
  now: Date;
  reopenWindowMs: number;
  /** The message is an auto-reply or a bounce (`MessageReceived.automated`). */
  automated?: boolean;
  reference?: { ticket: CandidateTicket; via: 'in-reply-to' | 'references' | 'signed-message-id' };
  subjectToken?: { number: number; ticket?: CandidateTicket; senderIsParticipant: boolean };
  quoted?: CandidateTicket;
  conversation?: CandidateTicket;
}

export type ThreadRule = 'reference' | 'subject-token' | 'quoted-message' | 'conversation' | 'new-conversation';

export type ThreadDecision =
  | { action: 'append'; ticketId: string; rule: ThreadRule; detail: string }
  | { action: 'reopen'; ticketId: string; rule: ThreadRule; detail: string }
  | { action: 'new'; previousTicketId?: string; rule: ThreadRule; detail: string };

export function decideThread(f: ThreadFacts): ThreadDecision {
  const notes: string[] = [];
  // `detail(name)`: the reason, naming the ticket as `name` — its number when the message lands in it, but
  // "the previous ticket" for a follow-up: the ticket followed may be another department's by now, and the
  // reason is shown with the message to whoever sees the follow-up (its number stays in `previousTicketId`).
  let pick: { ticket: CandidateTicket; rule: ThreadRule; detail: (name: string) => string } | undefined;

  if (f.reference) {
    const via = f.reference.via;
    pick = { ticket: f.reference.ticket, rule: 'reference', detail: (name) => `${via} matches ${name}` };
  } else if (f.subjectToken?.ticket && f.subjectToken.senderIsParticipant) {
    // The number the customer wrote in the subject, which the message shows anyway.
    const token = f.subjectToken.number;
    pick = { ticket: f.subjectToken.ticket, rule: 'subject-token', detail: () => `subject token [#${token}] from a participant` };
  } else {
    if (f.subjectToken) {
      notes.push(
        f.subjectToken.ticket
          ? `subject token [#${f.subjectToken.number}] ignored: sender is not a participant`
          : `subject token [#${f.subjectToken.number}] ignored: no such ticket`,
      );
    }
    if (f.quoted) pick = { ticket: f.quoted, rule: 'quoted-message', detail: (name) => `quotes a message of ${name}` };
    else if (f.conversation) pick = { ticket: f.conversation, rule: 'conversation', detail: (name) => `same conversation as ${name}` };
  }

  const suffix = notes.length ? `; ${notes.join('; ')}` : '';
  if (!pick) return { action: 'new', rule: 'new-conversation', detail: `new conversation${suffix}` };

  const { ticket, rule } = pick;
  const detail = pick.detail(`ticket #${ticket.number}`) + suffix;
  const followUp = pick.detail('the previous ticket') + suffix;
  if (activeStatuses.includes(ticket.status)) return { action: 'append', ticketId: ticket.id, rule, detail };
  if (ticket.status === 'solved') {
    if (f.automated) return { action: 'append', ticketId: ticket.id, rule, detail: `${detail}; automated message kept on the solved ticket, not reopened` };
    const solvedAgo = ticket.solvedAt ? f.now.getTime() - ticket.solvedAt.getTime() : Infinity;
    if (solvedAgo <= f.reopenWindowMs) {
      return { action: 'reopen', ticketId: ticket.id, rule, detail: `${detail}; solved ticket reopened within the reopen window` };
    }
    return { action: 'new', previousTicketId: ticket.id, rule, detail: `${followUp}; solved outside the reopen window, follow-up ticket` };
  }
  return { action: 'new', previousTicketId: ticket.id, rule, detail: `${followUp}; ticket is closed, follow-up ticket` };
}
