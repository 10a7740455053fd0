import type { Logger } from 'pino';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import type { Contact } from '../models/contact.js';
import type { Models } from '../models/registry.js';

export interface ContactHints {
  name?: string;
  email?: string;
  phone?: string;
}

/**
 * Finds or creates the contact owning a set of identity keys. Creation relies
 * on the unique index of `identities`: of two concurrent inserts one wins and
 * the other re-reads it. A key already owned by a different contact is never
 * moved silently; merging contacts is an explicit agent action.
 */
export class ContactResolver {
  constructor(
    private readonly models: Models,
    private readonly logger: Logger,
  ) {}

  async resolve(keys: string[], hints: ContactHints): Promise<Contact> {
    if (keys.length === 0) throw new Error('a contact needs at least one identity key');
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.findOwner(keys);
      if (existing) {
        await this.addMissingKeys(existing, keys);
        if (!existing.name && hints.name) {
          await this.models.Contact.updateOne({ _id: existing._id, name: { $exists: false } }, { $set: { name: hints.name } });
        }
        return existing;
      }
      try {
        const [created] = await this.models.Contact.insertMany([{ identities: keys, ...hints }]);
        return created!.toObject() as Contact;
      } catch (err) {
        if (!isDuplicateKeyError(err)) throw err;
        // Someone created a contact with one of these keys in the meantime; loop and read it.
      }
    }
    throw new Error(`could not resolve contact for ${keys[0]}`);
  }

  private async findOwner(keys: string[]): Promise<Contact | null> {
    const matches = await this.models.Contact.find({ identities: { $in: keys } }).sort({ createdAt: 1, _id: 1 }).lean();
    if (matches.length === 0) return null;
    // Follow merges so messages land on the surviving contact.
    let contact = matches.find((c) => !c.mergedInto) ?? matches[0]!;
    for (let hops = 0; contact.mergedInto && hops < 10; hops++) {
      const next = await this.models.Contact.findById(contact.mergedInto).lean();
      if (!next) break;
      contact = next;
    }
    if (matches.filter((c) => !c.mergedInto).length > 1) {
      this.logger.info({ contactIds: matches.map((c) => String(c._id)) }, 'identity keys span several contacts; an agent may merge them');
    }
    return contact;
  }

  private async addMissingKeys(contact: Contact, keys: string[]): Promise<void> {
    for (const key of keys) {
      if (contact.identities.includes(key)) continue;
      try {
        await this.models.Contact.updateOne({ _id: contact._id }, { $addToSet: { identities: key } });
      } catch (err) {
        // Owned by another contact (unique index): keep them apart until an agent merges.
        if (!isDuplicateKeyError(err) && (err as { code?: number }).code !== 1) throw err;
      }
    }
  }
}
