import { Schema, Types, type Connection, type Model } from 'mongoose';
import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { Contact } from '../models/contact.js';
import type { Models } from '../models/registry.js';
import { KeyedMutex } from '../sync/keyed-mutex.js';
import type { TicketLocks } from '../tickets/ticket-locks.js';
import type { Viewer } from '../users/viewer.js';
import type { ContactCache } from './contact-cache.js';

/**
 * A contact merge as evidence: which identity keys and tickets moved from `sourceId` to `targetId`, and
 * the target's display fields before, so that undo puts back exactly what moved (and nothing that
 * arrived afterwards: a ticket the target got later stays with it). The undo is claimed by inserting
 * `<mergeId>:undo` — a unique insert, so two undo clicks cannot both run, on MongoDB and FerretDB.
 */
export interface ContactMerge {
  _id: string;
  sourceId: Types.ObjectId;
  targetId: Types.ObjectId;
  identities: string[];
  ticketIds: Types.ObjectId[];
  targetBefore: { name?: string; email?: string; phone?: string; identities: string[] };
  by: Types.ObjectId;
  byName: string;
  at: Date;
  /** Set on the record once the undo finished. */
  undoneAt?: Date;
  undoneBy?: Types.ObjectId;
}

const schema = new Schema<ContactMerge>(
  {
    _id: { type: String, required: true },
    sourceId: { type: Schema.Types.ObjectId, required: true },
    targetId: { type: Schema.Types.ObjectId, required: true },
    identities: { type: [String], default: [] },
    ticketIds: { type: [Schema.Types.ObjectId], default: [] },
    targetBefore: { name: String, email: String, phone: String, identities: [String] },
    by: { type: Schema.Types.ObjectId },
    byName: String,
    at: Date,
    undoneAt: Date,
    undoneBy: { type: Schema.Types.ObjectId },
  },
  { versionKey: false, collection: 'contact_merges' },
);
type ContactMergeModel = Model<ContactMerge>;
const mergeModel = (c: Connection): ContactMergeModel => (c.models.ContactMerge as ContactMergeModel | undefined) ?? c.model<ContactMerge>('ContactMerge', schema);

export interface MergePreview {
  source: Contact;
  target: Contact;
  identities: string[];
  tickets: Array<{ id: string; number: number; subject: string; status: string }>;
}

export class ContactMerges {
  private readonly model: ContactMergeModel;
  /**
   * Merges and undos run one at a time in a process, their checks read inside: two merges at once (X into Y
   * and Y into X) both found neither merged and left each contact merged into the other, both gone from
   * every list with their identities swapped.
   */
  private readonly queue = new KeyedMutex();
  /** See ContactService.onTicketMoved. */
  ticketMoved: (ticketId: string) => void = () => undefined;

  constructor(
    private readonly models: Models,
    private readonly locks: TicketLocks,
    private readonly cache: ContactCache,
    private readonly logger: Logger,
  ) {
    this.model = mergeModel(models.User.db);
  }

  /**
   * Contacts merged into `targetId` and not undone, from the merge records: a small collection, where the
   * contacts' `mergedInto` field would be a read of every contact on the embedded FerretDB.
   */
  async sourcesOf(targetId: Types.ObjectId): Promise<Types.ObjectId[]> {
    const records = await this.model.find({ targetId, undoneAt: { $exists: false } }, { sourceId: 1 }).lean();
    // `<merge>:undo` records (the undo's claim) name the same pair; only the merges themselves count.
    return records.filter((m) => !String(m._id).endsWith(':undo')).map((m) => m.sourceId);
  }

  /** What a merge of `sourceId` into `targetId` would move, without moving anything. */
  async preview(viewer: Viewer, sourceId: string, targetId: string): Promise<MergePreview> {
    const { source, target } = await this.pair(viewer, sourceId, targetId);
    const identities = (await this.models.ContactIdentity.find({ contactId: source._id }, { _id: 1 }).lean()).map((i) => i._id);
    const tickets = await this.models.Ticket.find({ contactId: source._id }, { number: 1, subject: 1, status: 1 }).sort({ number: 1 }).lean();
    return { source, target, identities, tickets: tickets.map((t) => ({ id: String(t._id), number: t.number, subject: t.subject, status: t.status })) };
  }

  /**
   * Moves every identity and ticket of the source to the target; the source stays as a tombstone pointing
   * at the target, so old references still resolve. Returns the record (its id is what undo takes).
   */
  merge(viewer: Viewer, sourceId: string, targetId: string): Promise<{ target: Contact; merge: ContactMerge }> {
    return this.queue.run('merge', () => this.mergeNow(viewer, sourceId, targetId));
  }

  private async mergeNow(viewer: Viewer, sourceId: string, targetId: string): Promise<{ target: Contact; merge: ContactMerge }> {
    const { source, target } = await this.pair(viewer, sourceId, targetId);
    const mergeId = new Types.ObjectId().toHexString();
    const identities = (await this.models.ContactIdentity.find({ contactId: source._id }, { _id: 1 }).lean()).map((i) => i._id);
    const ticketIds = (await this.models.Ticket.find({ contactId: source._id }, { _id: 1 }).lean()).map((t) => t._id);
    // The evidence first: a crash halfway leaves a record of what was meant to move.
    const [record] = await this.model.insertMany([
      {
        _id: mergeId,
        sourceId: source._id,
        targetId: target._id,
        identities,
        ticketIds,
        targetBefore: { name: target.name, email: target.email, phone: target.phone, identities: target.identities },
        by: new Types.ObjectId(viewer.id),
        byName: viewer.name,
        at: new Date(),
      },
    ]);
    // Ownership of the keys moves first (one by `_id` each); the contacts' display copies follow.
    for (const key of identities) await this.models.ContactIdentity.updateOne({ _id: key }, { $set: { contactId: target._id } });
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
    for (const _id of ticketIds) {
      await this.locks.run(String(_id), () => this.models.Ticket.updateOne({ _id }, { $set: { contactId: target._id } }));
      this.ticketMoved(String(_id));
    }
    this.cache.clear(); // again: an ingest may have cached the source while the merge was under way
    this.logger.info({ mergeId, sourceId, targetId, identities: identities.length, tickets: ticketIds.length, by: viewer.id }, 'contacts merged');
    return { target: (await this.models.Contact.findById(target._id).lean())!, merge: record!.toObject() as ContactMerge };
  }

  /** Puts back what the merge moved: the source contact, its identity keys and its tickets. */
  undo(viewer: Viewer, mergeId: string): Promise<{ source: Contact; target: Contact }> {
    return this.queue.run('merge', () => this.undoNow(viewer, mergeId));
  }

  private async undoNow(viewer: Viewer, mergeId: string): Promise<{ source: Contact; target: Contact }> {
    if (viewer.role === 'agent') throw new ForbiddenError('Only supervisors and administrators can undo a merge');
    const merge = /^[0-9a-f]{24}$/.test(mergeId) ? await this.model.findById(mergeId).lean() : null;
    if (!merge) throw new NotFoundError('Contact merge');
    const target = await this.models.Contact.findById(merge.targetId).lean();
    if (!target) throw new NotFoundError('Contact');
    // Its target merged on since owns what this merge moved: undone now, the source came back empty, showing
    // identities the other contact owns. Checked before the claim, so the undo stays possible later.
    if (target.mergedInto && !(await this.undone(mergeId))) {
      throw new ConflictError('CONTACT_MERGED', `${target.name ?? 'The contact'} was merged into another contact since; undo that merge first`);
    }
    try {
      await this.model.insertMany([{ _id: `${mergeId}:undo`, sourceId: merge.sourceId, targetId: merge.targetId, by: new Types.ObjectId(viewer.id), at: new Date() }]);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new ConflictError('MERGE_UNDONE', 'This merge was already undone');
      throw err;
    }
    // Keys back to the source, only those the target still owns (an identity merged on elsewhere since stays).
    for (const key of merge.identities) {
      await this.models.ContactIdentity.updateOne({ _id: key, contactId: merge.targetId }, { $set: { contactId: merge.sourceId } });
    }
    this.cache.clear();
    const moved = new Set(merge.identities);
    const kept = target.identities.filter((k) => !moved.has(k) || merge.targetBefore.identities.includes(k));
    // Display fields the merge filled in go back to what the target had, unless someone edited them since.
    const restore: Record<string, unknown> = { identities: kept };
    const unset: Record<string, 1> = {};
    const source = await this.models.Contact.findById(merge.sourceId).lean();
    for (const f of ['name', 'email', 'phone'] as const) {
      if (merge.targetBefore[f] === undefined && source?.[f] !== undefined && target[f] === source[f]) unset[f] = 1;
    }
    await this.models.Contact.updateOne({ _id: merge.targetId }, { $set: restore, ...(Object.keys(unset).length ? { $unset: unset } : {}) });
    await this.models.Contact.updateOne({ _id: merge.sourceId }, { $set: { identities: merge.identities }, $unset: { mergedInto: 1 } });
    for (const _id of merge.ticketIds) {
      await this.locks.run(String(_id), () => this.models.Ticket.updateOne({ _id, contactId: merge.targetId }, { $set: { contactId: merge.sourceId } }));
      this.ticketMoved(String(_id));
    }
    this.cache.clear();
    await this.model.updateOne({ _id: mergeId }, { $set: { undoneAt: new Date(), undoneBy: new Types.ObjectId(viewer.id) } });
    this.logger.info({ mergeId, by: viewer.id }, 'contact merge undone');
    return { source: (await this.models.Contact.findById(merge.sourceId).lean())!, target: (await this.models.Contact.findById(merge.targetId).lean())! };
  }

  private async undone(mergeId: string): Promise<boolean> {
    return Boolean(await this.model.exists({ _id: `${mergeId}:undo` }));
  }

  /** The merges a contact took part in, newest first (the contact page lists them with an undo). */
  history(contactId: Types.ObjectId): Promise<ContactMerge[]> {
    return this.model
      .find({ $or: [{ sourceId: contactId }, { targetId: contactId }], _id: { $not: /:undo$/ } })
      .sort({ at: -1 })
      .limit(20)
      .lean();
  }

  private async pair(viewer: Viewer, sourceId: string, targetId: string): Promise<{ source: Contact; target: Contact }> {
    if (viewer.role === 'agent') throw new ForbiddenError('Only supervisors and administrators can merge contacts');
    const [source, target] = await Promise.all([sourceId, targetId].map((id) => (Types.ObjectId.isValid(id) ? this.models.Contact.findById(id).lean() : null)));
    if (!source || !target) throw new NotFoundError('Contact');
    // Compared as read, not as typed: `ABC…` and `abc…` name the same contact.
    if (source._id.equals(target._id)) throw new ValidationError('A contact cannot be merged into itself', [{ path: 'targetId', message: 'same as source' }]);
    if (source.mergedInto || target.mergedInto) throw new ConflictError('CONTACT_MERGED', 'One of these contacts was already merged');
    return { source, target };
  }
}
