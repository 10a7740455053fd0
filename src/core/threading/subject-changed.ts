import type { MessageReceived } from '../domain/inbound-event.js';
import type { Inbox } from '../models/inbox.js';
import type { Ticket } from '../models/ticket.js';
import { normaliseSubject } from './subject-token.js';

/**
 * An email that joined an existing ticket (by reference or token) although its
 * subject has nothing in common with the ticket's: often a new question sent
 * by replying to an old mail. It stays where the headers put it; agents see a flag.
 */
export function subjectChanged(inbox: Inbox, ticket: Ticket, event: MessageReceived, decision: { rule: string }): boolean {
  if (inbox.kind !== 'email' || decision.rule === 'new-conversation') return false;
  const incoming = normaliseSubject(event.threading.subject);
  const current = normaliseSubject(ticket.subject);
  if (!incoming || !current || incoming === current) return false;
  if (incoming.includes(current) || current.includes(incoming)) return false;
  const words = (s: string) => new Set(s.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 3));
  const a = words(incoming);
  return ![...words(current)].some((w) => a.has(w));
}
