import type { Contact } from '../models/contact.js';
import type { Message } from '../models/message.js';
import type { Ticket } from '../models/ticket.js';
import { phoneText } from './search-terms.js';

/** The texts a ticket is indexed by, shared by the live index and its backfills so they index the same. */

export type IndexedTicket = Pick<Ticket, '_id' | 'number' | 'subject' | 'contactId' | 'replyTo'>;
export type IndexedMessage = Pick<Message, 'kind' | 'text' | 'attachments' | 'author'>;

/** What a ticket is found by, but its contact: subject, number, the address it replies to. */
export function ticketOwnText(ticket: IndexedTicket): string {
  const r = ticket.replyTo;
  return [ticket.subject, String(ticket.number), r.displayName, r.email, phoneText(r.phone)].join(' ');
}

/** What a ticket is found by through its contact. */
export function contactText(contact: Pick<Contact, 'name' | 'email' | 'phone'> | null | undefined): string {
  return [contact?.name, contact?.email, phoneText(contact?.phone)].join(' ');
}

/** What a message is found by: its text, attachment names and, from the customer, the author's name. */
export function messageText(m: Pick<IndexedMessage, 'text' | 'attachments'> & { authorType: string; authorName?: string | null }): string {
  const names = m.attachments.map((a) => a.fileName).join(' ');
  return `${m.text} ${names} ${m.authorType === 'contact' ? (m.authorName ?? '') : ''}`;
}

export const storedMessageText = (m: IndexedMessage) => messageText({ ...m, authorType: m.author.type, authorName: m.author.name });
