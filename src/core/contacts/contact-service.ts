import { Types } from 'mongoose';
import type { Logger } from 'pino';
import { z } from 'zod';
import { NotFoundError } from '../errors/app-error.js';
import type { Contact } from '../models/contact.js';
import type { ContactCache } from './contact-cache.js';
import { ContactMerges } from './contact-merges.js';
import { searchFilter } from './search-terms.js';
import { termsOf } from './search-terms-hooks.js';
import type { Models } from '../models/registry.js';
import type { Ticket } from '../models/ticket.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import { ticketsById } from '../tickets/tickets-by-id.js';
import { findByIds } from '../db/find-by-ids.js';
import type { ContactOrder } from './contact-order.js';
import { canSee, visibilityFilter } from '../tickets/visibility.js';
import { seesAllTickets, type Viewer } from '../users/viewer.js';

export const ContactUpdateSchema = z
  .object({
    name: z.string().trim().max(200).nullable(),
    email: z.union([z.literal(''), z.string().trim().toLowerCase().pipe(z.email())]).nullable(),
    phone: z.string().trim().max(40).regex(/^[+\d\s().-]*$/, 'digits, spaces, + ( ) - only').nullable(),
    notes: z.string().max(5000).nullable(),
  })
  .partial()
  .strict()
  .refine((v) => Object.keys(v).length > 0, 'must change at least one field');
export type ContactUpdate = z.infer<typeof ContactUpdateSchema>;

/** Tickets on a contact's page. */
const CONTACT_PAGE_TICKETS = 200;
/** A contact with more tickets than this is read by query even on the embedded database. */
const MAX_INDEXED_READS = 1_000;

/** Contacts read from the open-work projection on the embedded database (`undefined`: it cannot answer, query). */
export interface ContactTicketIndex {
  ticketIdsOf(contactIds: string[]): Promise<string[] | undefined>;
  contactsVisibleTo(viewer: Viewer): Promise<Set<string> | undefined>;
}

/** Extra ids read by the list from the in-memory order, for those gone since (deleted, merged). */
const ORDER_SLACK = 5;

/** The list's order: most recently updated first, then the newer id (as a sort, and as a comparator). */
const NEWEST_FIRST = { updatedAt: -1, _id: -1 } as const;
const newestContactFirst = (a: Contact, b: Contact) =>
  b.updatedAt.getTime() - a.updatedAt.getTime() || (String(b._id) < String(a._id) ? -1 : String(b._id) > String(a._id) ? 1 : 0);

/** Customers across channels: search, detail with every ticket the viewer may see, and merge. */
export class ContactService {
  private readonly merges: ContactMerges;
  private backfilled: Promise<void> | undefined;
  private refreshed: Promise<unknown> | undefined;
  private ticketIndex: ContactTicketIndex | undefined;
  private order: ContactOrder | undefined;

  constructor(
    private readonly models: Models,
    locks: TicketLocks,
    private readonly cache: ContactCache,
    private readonly logger: Logger,
  ) {
    this.merges = new ContactMerges(models, locks, cache, logger);
  }

  /**
   * Visibility rule (docs/architecture.md, Visibility): a contact is visible to an agent when one of their
   * tickets is; supervisors and admins see every contact. Every contact query applies it; a hidden contact
   * is a 404 like a hidden ticket.
   */
  async search(viewer: Viewer, q: string | undefined, limit: number): Promise<Contact[]> {
    const conditions: Array<Record<string, unknown>> = [{ mergedInto: { $exists: false } }];
    if (q) {
      await this.backfill();
      const filter = searchFilter(q);
      if (filter) conditions.unshift(filter);
    }
    const all = seesAllTickets(viewer);
    // The contacts an agent may see, from the ticket index (embedded database); undefined: ask the tickets.
    const visible = all ? undefined : await this.ticketIndex?.contactsVisibleTo(viewer);
    if (!q && (all || visible)) {
      const listed = await this.fromOrder(visible, limit);
      if (listed) return listed;
    }
    if (all) return this.models.Contact.find({ $and: conditions }).sort(NEWEST_FIRST).limit(limit).lean();
    if (!visible) {
      conditions.push({ _id: { $in: await this.visibleContactIds(viewer) } });
      return this.models.Contact.find({ $and: conditions }).sort(NEWEST_FIRST).limit(limit).lean();
    }
    return this.firstVisible(conditions, visible, limit);
  }

  /**
   * The list without a search, from the contacts' in-memory order and `_id` reads (the embedded database:
   * `ContactOrder`), limited to `visible` when given; `undefined` when the order cannot answer.
   */
  private async fromOrder(visible: Set<string> | undefined, limit: number): Promise<Contact[] | undefined> {
    if (!this.order || limit <= 0) return undefined;
    // A few more than asked: one deleted or merged since its last re-read is left out below.
    const ids = await this.order.newest(limit + ORDER_SLACK, visible ? (id) => visible.has(id) : undefined);
    if (!ids) return undefined;
    const read = await findByIds<Contact>(this.models.Contact, ids);
    return read.filter((c): c is Contact => c !== null && !c.mergedInto).sort(newestContactFirst).slice(0, limit);
  }

  /** The contacts list's order in memory (embedded database); see `fromOrder`. */
  useOrder(order: ContactOrder): void {
    this.order = order;
  }

  /**
   * The embedded database's way to the contacts an agent may see (`visible`, from the ticket index) when the
   * in-memory order cannot answer (a search, or the order not built yet): the query by an `$in` of every
   * visible contact (one per ticket without a department) is checked element by element against every
   * contact there — 37.6 s at 50,000 tickets. Contacts are read newest first and the first visible kept.
   */
  private async firstVisible(conditions: Array<Record<string, unknown>>, visible: Set<string>, limit: number): Promise<Contact[]> {
    if (visible.size === 0 || limit <= 0) return [];
    const found: Contact[] = [];
    const cursor = this.models.Contact.find({ $and: conditions }).sort(NEWEST_FIRST).lean<Contact[]>().cursor({ batchSize: Math.max(200, limit * 4) });
    try {
      for await (const contact of cursor) {
        if (!visible.has(String(contact._id))) continue;
        found.push(contact as Contact);
        if (found.length >= limit) break;
      }
    } finally {
      await cursor.close().catch(() => undefined);
    }
    return found;
  }

  /**
   * Where the contact page finds a contact's tickets, and the contacts list the contacts an agent may see, on
   * the embedded database (the open-work projection's contact index, `OpenWork.ticketIdsOfContacts` and
   * `contactsVisibleTo`); without it, or when it cannot answer, by query.
   */
  useTicketIndex(index: ContactTicketIndex): void {
    this.ticketIndex = index;
  }

  async detail(viewer: Viewer, id: string) {
    const contact = Types.ObjectId.isValid(id) ? await this.models.Contact.findById(id).lean() : null;
    if (!contact) throw new NotFoundError('Contact');
    const contactIds = [contact._id, ...(await this.merges.sourcesOf(contact._id))];
    const tickets = (await this.indexedTickets(viewer, contactIds)) ?? (await this.queriedTickets(viewer, contactIds));
    // None of their tickets visible: the contact is not either (404, its existence is not disclosed).
    if (!seesAllTickets(viewer) && tickets.length === 0) throw new NotFoundError('Contact');
    return { contact, tickets };
  }

  /** The contact page's tickets, newest activity first, at most CONTACT_PAGE_TICKETS: by query (MongoDB: by index). */
  private queriedTickets(viewer: Viewer, contactIds: Types.ObjectId[]): Promise<Ticket[]> {
    return this.models.Ticket.find({ $and: [{ contactId: { $in: contactIds } }, visibilityFilter(viewer)] })
      .sort({ lastMessageAt: -1 })
      .limit(CONTACT_PAGE_TICKETS)
      .lean();
  }

  /**
   * The same page from the ticket index and `_id` reads (the embedded database), or `undefined` when the index
   * cannot answer or the contact has more tickets than are worth reading one by one.
   */
  private async indexedTickets(viewer: Viewer, contactIds: Types.ObjectId[]): Promise<Ticket[] | undefined> {
    const ids = await this.ticketIndex?.ticketIdsOf(contactIds.map(String));
    if (!ids || ids.length > MAX_INDEXED_READS) return undefined;
    const wanted = new Set(contactIds.map(String));
    const tickets = (await ticketsById(this.models, ids)).filter((t) => wanted.has(String(t.contactId)) && canSee(viewer, t));
    const newestFirst = (a: Ticket, b: Ticket) => b.lastMessageAt.getTime() - a.lastMessageAt.getTime() || (String(b._id) < String(a._id) ? -1 : 1);
    return tickets.sort(newestFirst).slice(0, CONTACT_PAGE_TICKETS);
  }

  /** Contacts with at least one ticket the agent may see (one query over the tickets, ids only). */
  private async visibleContactIds(viewer: Viewer): Promise<Types.ObjectId[]> {
    const tickets = await this.models.Ticket.find(visibilityFilter(viewer), { contactId: 1, _id: 0 }).lean();
    const ids = new Map<string, Types.ObjectId>();
    for (const t of tickets) if (t.contactId) ids.set(String(t.contactId), t.contactId);
    return [...ids.values()];
  }

  /** Told about each ticket a merge or its undo moves (no domain event is published for it): the open-work projection re-reads it. */
  onTicketMoved(listener: (ticketId: string) => void): void {
    this.merges.ticketMoved = listener;
  }

  /** Moves identities and tickets of `sourceId` to `targetId`, recorded for undo (see contact-merges.ts). */
  merge(viewer: Viewer, sourceId: string, targetId: string) {
    return this.merges.merge(viewer, sourceId, targetId);
  }

  mergePreview(viewer: Viewer, sourceId: string, targetId: string) {
    return this.merges.preview(viewer, sourceId, targetId);
  }

  undoMerge(viewer: Viewer, mergeId: string) {
    return this.merges.undo(viewer, mergeId);
  }

  mergeHistory(contactId: Types.ObjectId) {
    return this.merges.history(contactId);
  }

  /** An agent edits what the customer is called and how to reach them, and notes; visibility as for reading. */
  async update(viewer: Viewer, id: string, input: ContactUpdate): Promise<Contact> {
    await this.detail(viewer, id); // 404 when the viewer may not see it
    const set: Record<string, unknown> = {};
    const unset: Record<string, 1> = {};
    for (const [k, v] of Object.entries(input)) {
      if (v === undefined) continue;
      if (v === null || v === '') unset[k] = 1;
      else set[k] = v;
    }
    await this.models.Contact.updateOne({ _id: id }, { ...(Object.keys(set).length ? { $set: set } : {}), ...(Object.keys(unset).length ? { $unset: unset } : {}) });
    this.cache.clear();
    this.logger.info({ contactId: id, fields: Object.keys(input), by: viewer.id }, 'contact edited');
    return (await this.models.Contact.findById(id).lean())!;
  }

  /**
   * Contacts stored before `searchTerms` existed get them once per process, on the first search, which waits
   * for them. Terms stored by an older folding (before ß, ø, ł… were folded, 2026-12-06) are brought up to
   * date in the background meanwhile: one read of every contact (the `$exists` question above is a full scan
   * on the embedded database anyway) and a write only where the terms differ, so the first search is not held
   * up by an install's whole contact list.
   */
  private backfill(): Promise<void> {
    return (this.backfilled ??= (async () => {
      const missing = await this.models.Contact.find({ searchTerms: { $exists: false } }, { name: 1, email: 1, phone: 1, identities: 1, unverifiedEmail: 1 }).lean();
      for (const c of missing) await this.models.Contact.collection.updateOne({ _id: c._id }, { $set: { searchTerms: termsOf(c) } });
      if (missing.length) this.logger.info({ contacts: missing.length }, 'contact search terms filled in');
      this.refreshed ??= this.refreshTerms().catch((err: unknown) => {
        this.refreshed = undefined;
        this.logger.warn({ err }, 'contact search terms not refreshed; tried again on the next search');
      });
    })().catch((err: unknown) => {
      this.backfilled = undefined;
      throw err;
    }));
  }

  /** Rewrites the terms of the contacts whose stored terms are not what the current folding gives. */
  private async refreshTerms(): Promise<number> {
    let changed = 0;
    const fields = { name: 1, email: 1, phone: 1, identities: 1, unverifiedEmail: 1, searchTerms: 1 };
    for await (const c of this.models.Contact.find({ searchTerms: { $exists: true } }, fields).lean().cursor()) {
      const terms = termsOf(c);
      const stored = c.searchTerms ?? [];
      if (terms.length === stored.length && terms.every((t, i) => t === stored[i])) continue;
      // Only if unchanged since the read: an edit meanwhile wrote the right terms itself.
      await this.models.Contact.collection.updateOne({ _id: c._id, searchTerms: stored }, { $set: { searchTerms: terms } });
      changed++;
    }
    if (changed) this.logger.info({ contacts: changed }, 'contact search terms refreshed');
    return changed;
  }

  /** The background refresh of stored terms, once started by a search (tests wait for it). */
  async termsRefreshed(): Promise<void> {
    await this.refreshed;
  }
}
