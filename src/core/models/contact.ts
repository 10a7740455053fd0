import { Schema, Types, type Connection, type Model } from 'mongoose';
import { maintainSearchTerms } from '../contacts/search-terms-hooks.js';
import { reportContactWrites } from '../contacts/contact-writes.js';

/**
 * A customer, known by one or more identity keys (`email:ana@x.com`,
 * `phone:+5511…`, `telegram:123`, `visitor:<id>`). `identities` is a copy for
 * display and search; ownership of a key is the `contact_identities` document
 * whose `_id` is the key (see contact-identity.ts).
 */
export interface Contact {
  _id: Types.ObjectId;
  name?: string;
  email?: string;
  phone?: string;
  /** A picture the channel gave (Messenger profile_pic). */
  avatarUrl?: string;
  identities: string[];
  mergedInto?: Types.ObjectId;
  /** Agents' notes about the customer (edited on the contact page). */
  notes?: string;
  /**
   * An email the customer typed (web chat "introduce yourself") and nobody confirmed: shown and searched,
   * never an identity key, so it cannot attach this visitor to someone else's contact.
   */
  unverifiedEmail?: string;
  /** Folded words the contact is searched by (see contacts/search-terms.ts); maintained on every write. */
  searchTerms?: string[];
  /** Channels the customer asked not to be contacted on (SMS STOP), with when; agents are warned. */
  optedOut?: { sms?: Date };
  /** Labels on the customer (`vip`), lower-case; routing rules may match them. */
  tags?: string[];
  /** Language to write to them in (`pt`, `es`, `en`), when known; automation guesses from their words otherwise. */
  language?: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<Contact>(
  {
    name: { type: String, maxlength: 200 },
    email: { type: String, maxlength: 320 },
    phone: { type: String, maxlength: 40 },
    avatarUrl: { type: String, maxlength: 4000 },
    identities: { type: [String], default: [] },
    mergedInto: { type: Schema.Types.ObjectId },
    optedOut: { sms: Date },
    tags: { type: [String], default: undefined },
    language: { type: String, maxlength: 10 },
    notes: { type: String, maxlength: 5000 },
    unverifiedEmail: { type: String, maxlength: 320 },
    searchTerms: { type: [String], default: undefined },
  },
  { timestamps: true, versionKey: false, collection: 'contacts' },
);
schema.index({ identities: 1 });
schema.index({ name: 1 });
schema.index({ searchTerms: 1 });
maintainSearchTerms(schema);
// The contacts list's in-memory order on the embedded database follows every write (contacts/contact-order.ts).
reportContactWrites(schema);
// A contact's page gathers the contacts merged into it.
schema.index({ mergedInto: 1 });

export type ContactModel = Model<Contact>;
export const registerContactModel = (c: Connection): ContactModel => c.model<Contact>('Contact', schema);
