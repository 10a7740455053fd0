import type { Ticket } from '../models/ticket.js';
import { KeyedMutex } from '../sync/keyed-mutex.js';

const MAX_TRACKED = 10_000;

/**
 * Every write to an existing ticket document runs under this lock, keyed by
 * ticket id. FerretDB applies an update by reading, modifying and writing the
 * whole document back, so two concurrent updates of different fields can lose
 * one of them; one writer per ticket at a time (per process) avoids that.
 * Must not be taken inside itself (it is not re-entrant).
 *
 * It also stamps the end of every locked section, so a ticket read outside
 * the lock can be reused inside it when no section for that ticket has run
 * since (`unchangedSince`): the ingest path then needs no second read. This
 * is the same guarantee a re-read under the lock gives: writes of this process.
 */
export class TicketLocks extends KeyedMutex {
  private clock = 0;
  private readonly lastSection = new Map<string, number>();
  /** Stamps below this may have been forgotten. */
  private floor = 0;
  /** The ticket a running section said it leaves behind (`leaves`), until that section ends. */
  private readonly staged = new Map<string, Ticket>();
  /** The ticket as the last section for it left it, when that section said so (see `lastKnown`). */
  private readonly known = new Map<string, { doc: Ticket; stamp: number }>();

  /** Take before reading a ticket outside the lock. */
  stamp(): number {
    return this.clock;
  }

  /** True when no locked section for this ticket ended after `stamp` was taken (call it holding the lock). */
  unchangedSince(key: string, stamp: number): boolean {
    const last = this.lastSection.get(key);
    return last === undefined ? stamp >= this.floor : last <= stamp;
  }

  /**
   * Inside a locked section: `doc` is the whole ticket as this section leaves it (stored). Sections that do
   * not say so (most: they change a field or two) make the next `lastKnown` undefined.
   */
  leaves(key: string, doc: Ticket): void {
    this.staged.set(key, doc);
  }

  /**
   * The ticket as this process last wrote it, when the last locked section for it said what it left
   * (`leaves`) and none ran since: current as far as this process's writes go. Only a reader that sees
   * every write of the database may take it for the stored ticket: the embedded database, where one hub
   * process owns it. With several processes (MongoDB) another one's write would not be seen.
   */
  lastKnown(key: string): Ticket | undefined {
    const k = this.known.get(key);
    return k && this.lastSection.get(key) === k.stamp ? k.doc : undefined;
  }

  override run<T>(key: string, task: () => Promise<T>): Promise<T> {
    // Marked when a section ends: one still running when the stamp was taken ends after it, and
    // none can run while the caller holds the lock, so the end alone tells.
    return super.run(key, async () => {
      try {
        return await task();
      } finally {
        this.mark(key);
      }
    });
  }

  private mark(key: string): void {
    if (this.lastSection.size >= MAX_TRACKED && !this.lastSection.has(key)) {
      this.lastSection.clear();
      this.known.clear();
      this.floor = this.clock + 1;
    }
    this.lastSection.set(key, ++this.clock);
    const left = this.staged.get(key);
    this.staged.delete(key);
    if (left) this.known.set(key, { doc: left, stamp: this.clock });
    else this.known.delete(key);
  }
}
