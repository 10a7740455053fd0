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

  /** Take before reading a ticket outside the lock. */
  stamp(): number {
    return this.clock;
  }

  /** True when no locked section for this ticket ended after `stamp` was taken (call it holding the lock). */
  unchangedSince(key: string, stamp: number): boolean {
    const last = this.lastSection.get(key);
    return last === undefined ? stamp >= this.floor : last <= stamp;
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
      this.floor = this.clock + 1;
    }
    this.lastSection.set(key, ++this.clock);
  }
}
