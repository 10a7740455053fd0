import { Types } from 'mongoose';
import type { Logger } from 'pino';
import type { DomainEvent } from '../events/domain-events.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { JustWritten } from '../events/just-written.js';
import type { Contact } from '../models/contact.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import { bucketOf, type SearchPostings } from './search-postings.js';
import { addVersion2Keys } from './search-index-upgrade.js';
import { indexKeys, numberKey } from './search-terms.js';
import { contactText, messageText, storedMessageText, ticketOwnText, type IndexedMessage, type IndexedTicket } from './search-texts.js';

const RETRY_MS = 1_000;
/**
 * Words wait this long for company before their postings are written: the keys of a burst of messages overlap
 * (every prefix of a common word), so a shared key is written once per flush, not once per message. It saves
 * little where most keys are new (`bench:realtime`, whose messages are numbers: ~4.3 → 4.0 writes a message);
 * new keys are made cheap by inserting them (search-postings.ts). A search in this process writes what is
 * waiting first (`settledWithin`), so only other processes see the delay.
 */
const FLUSH_DELAY_MS = 1_000;
/** Postings remembered as written (see `written`): ~100 bytes each. */
const WRITTEN_MEMORY = 100_000;
/** Ticket numbers of recent messages' tickets, so a message's bucket costs no read. */
const NUMBER_CACHE = 5_000;
const BACKFILL_MARKER = 'backfilled:1';
/** The index has version 2's keys (folded ß, ø, ł…; CJK characters and pairs): see `search-index-upgrade.ts`. */
export const KEYS_V2_MARKER = 'keys:2';

/**
 * Keeps the search postings up to date from the domain events (published after each write): a new ticket is
 * indexed by its subject, number and contact (name, email, phone), a new message by its text, attachment names
 * and author. Writes are coalesced and flushed by one loop per process, one flush at a time, so two messages
 * sharing a key never race on the same posting document in this process (FerretDB's updates are not atomic).
 * A failed flush is retried; the index is derived data, rebuilt by `backfill` on a database that predates it.
 */
export class TicketSearchIndex {
  private pending = new Map<string, { key: string; bucket: number; ids: Set<string> }>();
  private flushing: Promise<void> | undefined;
  private numbers = new Map<string, number>();
  private retryTimer: NodeJS.Timeout | undefined;
  private delayTimer: NodeJS.Timeout | undefined;
  /**
   * Postings this process has written (`<key>|<bucket>|<ticketId>`): a ticket's later messages repeat most
   * of its words (and the author's name), and each repeat would be one more document rewrite for nothing.
   * Bounded: when full it starts again empty (a repeat is then written again, harmlessly: `$addToSet`).
   */
  private readonly written = new Set<string>();
  private stopped = false;

  constructor(
    private readonly models: Models,
    private readonly postings: SearchPostings,
    private readonly logger: Logger,
    private readonly justWritten?: JustWritten,
  ) {}

  /** Ids of the tickets indexed under number `n` (one, unless the index is behind; [] when none yet). */
  ticketIdsNumbered(n: number): Promise<string[]> {
    return this.postings.read(numberKey(n), bucketOf(n));
  }

  listen(bus: DomainEventBus): () => void {
    return bus.subscribe((event) => this.onEvent(event));
  }

  private async onEvent(event: DomainEvent): Promise<void> {
    if (event.type === 'ticket.created') {
      const written = this.justWritten?.ticket(event.ticket.id);
      if (written) return this.indexTicket(written.ticket, written.contact);
      const ticket = await this.models.Ticket.findById(new Types.ObjectId(event.ticket.id)).lean();
      if (ticket) await this.indexTicket(ticket);
    } else if (event.type === 'message.created') {
      const m = event.message;
      if (m.kind === 'system') return;
      const number = event.ticket?.number ?? (await this.numberOf(m.ticketId));
      if (number === undefined) return;
      this.add(m.ticketId, number, messageText(m));
    }
  }

  /**
   * Messages that joined `ticket` by a split: their words now find it. Postings are only ever added, so the
   * ticket they left is still found by those words (a false hit the result list shows; nothing is hidden).
   */
  indexMovedMessages(ticket: Pick<Ticket, '_id' | 'number'>, messages: IndexedMessage[]): void {
    for (const m of messages) {
      if (m.kind === 'system') continue;
      this.add(String(ticket._id), ticket.number, storedMessageText(m));
    }
  }

  async indexTicket(ticket: IndexedTicket, known?: Contact): Promise<void> {
    const contact = known ?? (await this.models.Contact.findById(ticket.contactId).lean());
    this.add(String(ticket._id), ticket.number, `${ticketOwnText(ticket)} ${contactText(contact)}`, [numberKey(ticket.number)]);
  }

  add(ticketId: string, number: number, text: string, exactKeys: string[] = []): void {
    this.addKeys(ticketId, number, [...indexKeys(text), ...exactKeys]);
  }

  /** Adds the ticket under these keys (as they are: already folded). */
  addKeys(ticketId: string, number: number, keys: Iterable<string>): void {
    this.remember(ticketId, number);
    const bucket = bucketOf(number);
    for (const key of keys) {
      const slot = `${key}|${bucket}`;
      if (this.written.has(`${slot}|${ticketId}`)) continue;
      let entry = this.pending.get(slot);
      if (!entry) this.pending.set(slot, (entry = { key, bucket, ids: new Set() }));
      entry.ids.add(ticketId);
    }
    this.kick();
  }

  /** True once stopped: what is added is no longer written. */
  isStopped(): boolean {
    return this.stopped;
  }

  /**
   * A backfill cut short by `stop` (shutdown): keys were added but not all written, so no marker — it runs
   * again at next start (repeating what was written is harmless). It used to record its marker anyway.
   */
  private interrupted(): undefined {
    this.logger.info('search index backfill interrupted by shutdown; it runs again at next start');
    return undefined;
  }

  /** Resolves once everything added so far is written (tests, benchmarks, shutdown). */
  async settled(): Promise<void> {
    while (this.flushing || (this.pending.size > 0 && !this.stopped)) {
      this.kick(true);
      await (this.flushing ?? new Promise((r) => setTimeout(r, 20)));
    }
  }

  /** `settled`, but waiting at most `ms` (a search does not hang on a database that is down). */
  async settledWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.settled(), new Promise((r) => (timer = setTimeout(r, ms)))]);
    clearTimeout(timer);
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.delayTimer) clearTimeout(this.delayTimer);
  }

  private kick(now = false): void {
    if (this.flushing || this.retryTimer || this.stopped || this.pending.size === 0) return;
    if (!now) {
      if (!this.delayTimer) {
        this.delayTimer = setTimeout(() => {
          this.delayTimer = undefined;
          this.kick(true);
        }, FLUSH_DELAY_MS);
        this.delayTimer.unref();
      }
      return;
    }
    clearTimeout(this.delayTimer);
    this.delayTimer = undefined;
    this.flushing = this.flushOnce().finally(() => {
      this.flushing = undefined;
      this.kick();
    });
  }

  private async flushOnce(): Promise<void> {
    if (this.stopped) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.postings.add([...batch.values()].map((e) => ({ key: e.key, bucket: e.bucket, ticketIds: [...e.ids] })));
      for (const [slot, e] of batch) {
        if (this.written.size >= WRITTEN_MEMORY) this.written.clear();
        for (const id of e.ids) this.written.add(`${slot}|${id}`);
      }
    } catch (err) {
      this.logger.warn({ err, keys: batch.size }, 'search index write failed; retrying');
      for (const [slot, e] of batch) {
        const now = this.pending.get(slot);
        if (now) for (const id of e.ids) now.ids.add(id);
        else this.pending.set(slot, e);
      }
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.kick(true);
      }, RETRY_MS);
      this.retryTimer.unref();
    }
  }

  private remember(ticketId: string, number: number): void {
    if (this.numbers.size >= NUMBER_CACHE) this.numbers.clear();
    this.numbers.set(ticketId, number);
  }

  private async numberOf(ticketId: string): Promise<number | undefined> {
    const known = this.numbers.get(ticketId);
    if (known !== undefined) return known;
    const t = await this.models.Ticket.findById(new Types.ObjectId(ticketId), { number: 1 }).lean();
    if (t) this.remember(ticketId, t.number);
    return t?.number;
  }

  /**
   * Indexes every ticket and message once on a database whose tickets predate the search index (one full
   * read of both collections, in the background; a marker document records that it finished). Live events
   * are indexed meanwhile; indexing one twice is harmless. An index built before version 2's keys gets only
   * those it lacks (`addVersion2Keys`), once.
   */
  async backfill(): Promise<{ kind: 'full' | 'keys:2'; tickets: number; messages: number } | undefined> {
    if (await this.postings.hasMarker(BACKFILL_MARKER)) {
      if (await this.postings.hasMarker(KEYS_V2_MARKER)) return undefined;
      const started = Date.now();
      this.logger.info('search index: adding the keys of version 2 (ß, ø, ł… folded; CJK characters and pairs) in the background');
      const done = await addVersion2Keys(this.models, this);
      if (this.stopped) return this.interrupted();
      await this.postings.setMarker(KEYS_V2_MARKER);
      this.logger.info({ ...done, ms: Date.now() - started }, 'search index: version 2 keys added');
      return { kind: 'keys:2', tickets: done.tickets, messages: done.messages };
    }
    let tickets = 0;
    let messages = 0;
    const numbers = new Map<string, number>();
    for await (const t of this.models.Ticket.find({}, { number: 1, subject: 1, contactId: 1, replyTo: 1 }).lean().cursor()) {
      if (this.stopped) return this.interrupted();
      numbers.set(String(t._id), t.number);
      await this.indexTicket(t);
      if (++tickets % 200 === 0) await this.settled();
    }
    const fields = { ticketId: 1, text: 1, kind: 1, attachments: 1, author: 1 };
    for await (const m of this.models.Message.find({ kind: { $ne: 'system' } }, fields).lean().cursor()) {
      if (this.stopped) return this.interrupted();
      const number = numbers.get(String(m.ticketId));
      if (number === undefined) continue;
      this.add(String(m.ticketId), number, storedMessageText(m));
      if (++messages % 200 === 0) await this.settled();
    }
    await this.settled();
    if (this.stopped) return this.interrupted();
    // Written with this version's keys: the upgrade has nothing to add.
    await this.postings.setMarker(KEYS_V2_MARKER);
    await this.postings.setMarker(BACKFILL_MARKER);
    return { kind: 'full', tickets, messages };
  }
}
