import { Types } from 'mongoose';
import type { Logger } from 'pino';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { Contact } from '../models/contact.js';
import type { ContactCache } from './contact-cache.js';
import type { Models } from '../models/registry.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import { visibilityFilter } from '../tickets/visibility.js';
import { seesAllTickets, type Viewer } from '../users/viewer.js';

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Customers across channels: search, detail with every ticket the viewer may see, and merge. */
export class ContactService {
  /** Told about each ticket a merge moves (no domain event is published for it): the open-work projection re-reads it. */
  ticketChanged: (ticketId: string) => void = () => undefined;

  constructor(
    private readonly models: Models,
    private readonly locks: TicketLocks,
    private readonly cache: ContactCache,
    private readonly logger: Logger,
  ) {}

  /**
   * Visibility rule (docs/architecture.md, Visibility): a contact is visible to an agent when one of their
   * tickets is; supervisors and admins see every contact. Every contact query applies it; a hidden contact
   * is a 404 like a hidden ticket.
   */
  async search(viewer: Viewer, q: string | undefined, limit: number): Promise<Contact[]> {
    const conditions: Array<Record<string, unknown>> = [{ mergedInto: { $exists: false } }];
    if (q) {
      const rx = { $regex: escapeRegex(q.trim()), $options: 'i' };
      conditions.push({ $or: [{ name: rx }, { email: rx }, { phone: rx }, { identities: rx }] });
    }
    if (!seesAllTickets(viewer)) conditions.push({ _id: { $in: await this.visibleContactIds(viewer) } });
    return this.models.Contact.find({ $and: conditions }).sort({ updatedAt: -1, _id: -1 }).limit(limit).lean();
  }

  async detail(viewer: Viewer, id: string) {
    const contact = Types.ObjectId.isValid(id) ? await this.models.Contact.findById(id).lean() : null;
    if (!contact) throw new NotFoundError('Contact');
    const merged = await this.models.Contact.find({ mergedInto: contact._id }, { _id: 1 }).lean();
    const contactIds = [contact._id, ...merged.map((m) => m._id)];
    const tickets = await this.models.Ticket.find({ $and: [{ contactId: { $in: contactIds } }, visibilityFilter(viewer)] })
      .sort({ lastMessageAt: -1 })
      .limit(200)
      .lean();
    // None of their tickets visible: the contact is not either (404, its existence is not disclosed).
    if (!seesAllTickets(viewer) && tickets.length === 0) throw new NotFoundError('Contact');
    return { contact, tickets };
  }

  /** Contacts with at least one ticket the agent may see (one query over the tickets, ids only). */
  private async visibleContactIds(viewer: Viewer): Promise<Types.ObjectId[]> {
    const tickets = await this.models.Ticket.find(visibilityFilter(viewer), { contactId: 1, _id: 0 }).lean();
    const ids = new Map<string, Types.ObjectId>();
    for (const t of tickets) if (t.contactId) ids.set(String(t.contactId), t.contactId);
    return [...ids.values()];
  }

  /**
   * Moves every identity and ticket of `sourceId` to `targetId`; the source
   * stays as a tombstone pointing at the target, so old references still resolve.
   */
  async merge(viewer: Viewer, sourceId: string, targetId: string): Promise<Contact> {
    if (sourceId === targetId) throw new ValidationError('A contact cannot be merged into itself', [{ path: 'targetId', message: 'same as source' }]);
    const [source, target] = await Promise.all([sourceId, targetId].map((id) => (Types.ObjectId.isValid(id) ? this.models.Contact.findById(id).lean() : null)));
    if (!source || !target) throw new NotFoundError('Contact');
    if (source.mergedInto || target.mergedInto) throw new ConflictError('CONTACT_MERGED', 'One of these contacts was already merged');
    if (viewer.role === 'agent') throw new ForbiddenError('Only supervisors and administrators can merge contacts');
    // Ownership of the keys moves first; the contacts' display copies follow.
    await this.models.ContactIdentity.updateMany({ contactId: source._id }, { $set: { contactId: target._id } });
    this.cache.clear();
    await this.models.Contact.updateOne({ _id: source._id }, { $set: { identities: [], mergedInto: target._id } });
    await this.models.Contact.updateOne(
      { _id: target._id },
      {
        $set: {
          identities: [...new Set([...target.identities, ...source.identities])],
          ...(target.name || !source.name ? {} : { name: source.name }),
          ...(target.email || !source.email ? {} : { email: source.email }),
          ...(target.phone || !source.phone ? {} : { phone: source.phone }),
        },
      },
    );
    // One ticket at a time under its lock: a bulk update could race other ticket writes on FerretDB.
    for (const { _id } of await this.models.Ticket.find({ contactId: source._id }, { _id: 1 }).lean()) {
      await this.locks.run(String(_id), () => this.models.Ticket.updateOne({ _id }, { $set: { contactId: target._id } }));
      this.ticketChanged(String(_id));
    }
    this.cache.clear(); // again: an ingest may have cached the source while the merge was under way
    this.logger.info({ sourceId, targetId, by: viewer.id }, 'contacts merged');
    return (await this.models.Contact.findById(target._id).lean())!;
  }
}
