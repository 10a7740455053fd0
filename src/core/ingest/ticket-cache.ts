import type { Types } from 'mongoose';
import type { Ticket } from '../models/ticket.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';

const MAX_ENTRIES = 20_000;

/**
 * Tickets that take customer messages, as the ingest path last read or wrote
 * them. Most inbound messages go to a ticket that received one moments ago;
 * with its copy at hand, placement needs no read before the writes, and a
 * message waits for one round trip instead of two.
 *
 * A copy is only offered while no locked write of this process touched the
 * ticket since it was taken (`TicketLocks` stamps). Writes of other processes
 * are caught afterwards: the message's run reads the ticket's revision beside
 * its writes and starts over with fresh reads if anyone else wrote (see
 * `MessageProcessor`). Only tickets a customer message changes nothing on but
 * timestamps are kept (new or open, not snoozed): a solved, closed or merged
 * one sends its messages along the follow-up chain, a waiting one is woken —
 * decided on a fresh read.
 */
export class TicketCache {
  private readonly entries = new Map<string, { ticket: Ticket; stamp: number }>();

  constructor(private readonly locks: TicketLocks) {}

  get(id: Types.ObjectId): Ticket | undefined {
    const key = String(id);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (!this.locks.unchangedSince(key, entry.stamp)) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.ticket;
  }

  /** `stamp`: taken (`TicketLocks.stamp`) before the copy was read, or the stamp of the section that wrote it. */
  remember(ticket: Ticket, stamp: number): void {
    const key = String(ticket._id);
    if (!onlyTimestampsChange(ticket)) {
      this.entries.delete(key);
      return;
    }
    if (this.entries.size >= MAX_ENTRIES && !this.entries.has(key)) this.entries.clear();
    this.entries.set(key, { ticket, stamp });
  }

  forget(id: Types.ObjectId): void {
    this.entries.delete(String(id));
  }
}

function onlyTimestampsChange(ticket: Ticket): boolean {
  return (ticket.status === 'new' || ticket.status === 'open') && !ticket.snoozedUntil && !ticket.mergedInto;
}
