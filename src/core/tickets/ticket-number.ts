import { Types } from 'mongoose';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { rawCollection } from '../db/raw-collection.js';
import { WriteBatcher } from '../db/write-batcher.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';

/** `createdAt`: given when something was already computed from it (the SLA due times). */
type NewTicket = Omit<Ticket, 'number' | 'createdAt' | 'updatedAt'> & { createdAt?: Date };

/**
 * Human ticket numbers. The unique index on `number` is the truth, not a
 * counter document (FerretDB's `$inc` is not atomic across connections). The
 * highest number is read once (a sort over all tickets: a scan on the embedded
 * database) and then counted on in memory, so numbers handed out by this
 * process never collide with each other; a collision with another process
 * re-reads the highest and tries above it. Gaps are allowed.
 */
export class TicketNumbers {
  private last: number | undefined;
  /** Tickets created together (new conversations arriving at once) share insert commands; see WriteBatcher. */
  private readonly inserts: WriteBatcher<Ticket>;

  constructor(private readonly models: Models) {
    this.inserts = new WriteBatcher<Ticket>(() => rawCollection(this.models.Ticket));
  }

  /**
   * Inserts the ticket with the next number. Inserting with a chosen `_id` that
   * already exists returns that ticket, so a second writer for the same
   * conversation gets the first one's ticket.
   */
  async insert(doc: NewTicket): Promise<{ ticket: Ticket; created: boolean }> {
    for (let attempt = 1; attempt <= 100; attempt++) {
      const number = await this.next();
      try {
        const now = new Date();
        // Every message path claims a thread entry for each message it writes: this ticket will have them all.
        const ticket: Ticket = { ...doc, number, threadEntries: true, createdAt: doc.createdAt ?? now, updatedAt: now };
        // NewTicket has every field the schema requires or defaults: inserted by the driver, no mongoose
        // document per new conversation. `ignoreUndefined`: an optional field given as undefined is left out.
        await this.inserts.insert(ticket);
        return { ticket, created: true };
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        const existing = await this.models.Ticket.findById(new Types.ObjectId(String(doc._id))).lean();
        if (existing) return { ticket: existing, created: false };
        this.last = undefined; // another process took the number: read the highest again
        await new Promise((r) => setTimeout(r, Math.random() * Math.min(20, attempt)));
      }
    }
    throw new Error('could not allocate a ticket number after 100 attempts');
  }

  private async next(): Promise<number> {
    if (this.last === undefined) {
      const top = await this.models.Ticket.findOne({}, { number: 1 }).sort({ number: -1 }).lean();
      // Another allocation may have counted on while we read: never go back.
      this.last = Math.max(this.last ?? 0, top?.number ?? 0);
    }
    return ++this.last;
  }
}
