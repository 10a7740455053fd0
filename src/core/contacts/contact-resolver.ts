import { termsOf } from './search-terms-hooks.js';
import { Types } from 'mongoose';
import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { rawCollection } from '../db/raw-collection.js';
import { WriteBatcher } from '../db/write-batcher.js';
import { contactsWritten } from './contact-writes.js';
import type { ContactIdentity } from '../models/contact-identity.js';
import type { Contact } from '../models/contact.js';
import type { Models } from '../models/registry.js';
import type { ContactCache } from './contact-cache.js';

export interface ContactHints {
  name?: string;
  email?: string;
  phone?: string;
  avatarUrl?: string;
  /** Typed by the customer, unconfirmed: stored on the contact the identity keys lead to, never a key itself. */
  unverifiedEmail?: string;
}

/**
 * Finds or creates the contact owning a set of identity keys. A key is owned
 * by whoever inserts its `contact_identities` document first, so two
 * concurrent first messages (even in two processes) end with one contact: the
 * loser of the race on the first key deletes its fresh contact and uses the
 * winner's. A key already owned by another contact is never moved silently;
 * merging contacts is an explicit agent action.
 */
export class ContactResolver {
  /**
   * First contacts arriving together share insert commands (group commit, see WriteBatcher): each is
   * two inserts on the path of a new conversation's first message. A duplicate still fails alone.
   */
  private readonly contactInserts = new WriteBatcher<Contact>(() => rawCollection(this.models.Contact));
  private readonly identityInserts = new WriteBatcher<ContactIdentity>(() => rawCollection(this.models.ContactIdentity));

  constructor(
    private readonly models: Models,
    private readonly cache: ContactCache,
    private readonly logger: Logger,
  ) {}

  /**
   * `probablyNew`: the caller expects a new customer (a chat conversation nobody has seen): the
   * contact is created and its first key claimed straight away, without looking first — one round
   * trip fewer for a first contact. If the key turns out to be owned, the fresh contact is deleted and
   * the owner looked up as usual (two round trips more than looking first would have cost).
   */
  async resolve(keys: string[], hints: ContactHints, { probablyNew = false }: { probablyNew?: boolean } = {}): Promise<Contact> {
    if (keys.length === 0) throw new Error('a contact needs at least one identity key');
    const cached = this.cache.get(keys);
    if (cached && (cached.name || !hints.name) && (!hints.unverifiedEmail || cached.unverifiedEmail === hints.unverifiedEmail)) return cached;
    const contact = await this.resolveStored(keys, hints, probablyNew);
    this.cache.set(keys, contact);
    return contact;
  }

  private async resolveStored(keys: string[], hints: ContactHints, probablyNew: boolean): Promise<Contact> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const owner = attempt === 0 && probablyNew ? null : await this.findOwner(keys);
      if (owner) {
        await this.claimMissing(owner, keys);
        const set: Partial<Contact> = {};
        if (!owner.name && hints.name) {
          set.name = hints.name;
          if (!owner.avatarUrl && hints.avatarUrl) set.avatarUrl = hints.avatarUrl;
        }
        // The address the customer typed last (their own contact: the keys are theirs); never `email`.
        if (hints.unverifiedEmail && hints.unverifiedEmail !== owner.unverifiedEmail) set.unverifiedEmail = hints.unverifiedEmail;
        if (Object.keys(set).length === 0) return owner;
        // Saved through mongoose (its hooks keep the search terms current).
        await this.models.Contact.updateOne({ _id: owner._id }, { $set: set });
        return { ...owner, ...set };
      }
      // The contact and its first key at once (one round trip, not two in a row). A key whose contact is
      // missing (that insert failed, or a crash came between) is completed by `findOwner` next time.
      const contactId = new Types.ObjectId();
      const created = this.newContact(contactId, keys[0]!, hints);
      // Typed and complete (the inbound event schema bounds the hints' lengths): inserted by the driver.
      const [inserted, claimed] = await Promise.allSettled([
        this.contactInserts.insert(created).then(() => contactsWritten(this.models.Contact.db, [{ id: String(contactId), updatedAt: created.updatedAt, inserted: true }])),
        this.claim(keys[0]!, contactId),
      ]);
      if (claimed.status === 'fulfilled' && !claimed.value) {
        // Lost the race for the key: use the winner's contact.
        if (inserted.status === 'fulfilled') await this.models.Contact.deleteOne({ _id: contactId });
        continue;
      }
      if (claimed.status === 'rejected') {
        if (inserted.status === 'fulfilled') await this.models.Contact.deleteOne({ _id: contactId }).catch(() => undefined); // else an orphan no key leads to
        throw claimed.reason;
      }
      // The key is ours. Our contact's insert can only meet a duplicate if another run, finding the key
      // first, completed the contact in between (see completeClaim): then it exists, without our hints.
      if (inserted.status === 'rejected' && !isDuplicateKeyError(inserted.reason)) throw inserted.reason;
      if (inserted.status === 'rejected') {
        const given = Object.fromEntries(Object.entries(hints).filter(([, v]) => v !== undefined));
        if (Object.keys(given).length) await this.models.Contact.updateOne({ _id: contactId }, { $set: given });
        continue;
      }
      const contact = created;
      if (!(await this.claimMissing(contact, keys))) return contact;
      return (await this.models.Contact.findById(contactId).lean()) ?? contact;
    }
    throw new Error(`could not resolve contact for ${keys[0]}`);
  }

  private async findOwner(keys: string[]): Promise<Contact | null> {
    // One lookup per key by _id (a handful of keys), not `$in`: FerretDB only uses the _id index for a plain equality.
    const found = await Promise.all(keys.map((key) => this.models.ContactIdentity.findById(key).lean()));
    const owned = found.filter((o) => o !== null).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    const ids = [...new Set(owned.map((o) => String(o.contactId)))];
    for (const id of ids) {
      let contact: Contact | null = await this.models.Contact.findById(id).lean();
      if (!contact) contact = await this.completeClaim(owned.find((o) => String(o.contactId) === id)!);
      // Follow merges so messages land on the surviving contact.
      for (let hops = 0; contact?.mergedInto && hops < 10; hops++) contact = await this.models.Contact.findById(contact.mergedInto).lean();
      if (contact) {
        if (ids.length > 1) this.logger.info({ contactIds: ids }, 'identity keys span several contacts; an agent may merge them');
        return contact;
      }
    }
    return null;
  }

  private newContact(_id: Types.ObjectId, key: string, hints: ContactHints): Contact {
    const now = new Date();
    const contact: Contact = { _id, identities: [key], ...hints, createdAt: now, updatedAt: now };
    // Inserted by the raw driver (no mongoose hooks): the search terms are computed here.
    return { ...contact, searchTerms: termsOf(contact) };
  }

  /**
   * A key claimed for a contact that was never stored (its insert failed beside the claim, or the
   * process stopped between them): the contact is stored now, under the id the key names. Nothing
   * else refers to it yet, so no detail is lost but the name the next message may give.
   */
  private async completeClaim(identity: { _id: string; contactId: Types.ObjectId }): Promise<Contact | null> {
    const contact = this.newContact(identity.contactId, identity._id, {});
    try {
      await rawCollection(this.models.Contact).insertOne(contact, { ignoreUndefined: true });
      contactsWritten(this.models.Contact.db, [String(identity.contactId)]);
      this.logger.warn({ key: identity._id, contactId: String(identity.contactId) }, 'identity key without its contact: contact completed');
      return contact;
    } catch (err) {
      if (!isDuplicateKeyError(err)) throw err;
      return this.models.Contact.findById(identity.contactId).lean(); // completed meanwhile by another run
    }
  }

  private async claim(key: string, contactId: Types.ObjectId): Promise<boolean> {
    try {
      await this.identityInserts.insert({ _id: key, contactId, createdAt: new Date() });
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  /** Claims the keys the contact lacks; true when it added any (the stored contact changed). */
  private async claimMissing(contact: Contact, keys: string[]): Promise<boolean> {
    const added: string[] = [];
    for (const key of keys) {
      if (contact.identities.includes(key)) continue;
      if (await this.claim(key, contact._id)) added.push(key);
      // else: owned by another contact; keep them apart until an agent merges.
    }
    if (added.length) {
      const current = await this.models.Contact.findById(contact._id, { identities: 1 }).lean();
      await this.models.Contact.updateOne({ _id: contact._id }, { $set: { identities: [...new Set([...(current?.identities ?? []), ...added])] } });
    }
    return added.length > 0;
  }
}
