import type { Contact } from '../models/contact.js';
import type { Ticket } from '../models/ticket.js';

const MAX_ENTRIES = 2_000;
const TTL_MS = 30_000;

export interface WrittenTicket {
  ticket: Ticket;
  /** The ticket's contact as the writer resolved it. */
  contact: Contact;
}

/**
 * New tickets this process has just written, with their contact, for the bus subscribers that react to
 * `ticket.created` (search index, routing): they need only what the ticket was created with (number,
 * subject, inbox, channel, contact), so they take it from here instead of reading the ticket and contact
 * back — four reads per new conversation. A ticket written elsewhere (another process, an agent's start, a
 * split) is not here, and the subscriber reads it as before. Anything that can change after creation
 * (status, department, assignee) must still be read.
 */
export class JustWritten {
  private readonly entries = new Map<string, WrittenTicket & { until: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  remember(ticket: Ticket, contact: Contact): void {
    if (this.entries.size >= MAX_ENTRIES) {
      // The oldest first (a Map keeps insertion order): a subscriber reads them back if it comes this late.
      for (const key of [...this.entries.keys()].slice(0, MAX_ENTRIES / 2)) this.entries.delete(key);
    }
    this.entries.set(String(ticket._id), { ticket, contact, until: this.now() + TTL_MS });
  }

  ticket(id: string): WrittenTicket | undefined {
    const hit = this.entries.get(id);
    if (!hit) return undefined;
    if (hit.until <= this.now()) {
      this.entries.delete(id);
      return undefined;
    }
    return hit;
  }
}
