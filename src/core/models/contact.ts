import { Schema, Types, type Connection, type Model } from 'mongoose';

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
  /** Channels the customer asked not to be contacted on (SMS STOP), with when; agents are warned. */
  optedOut?: { sms?: Date };
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
  },
  { timestamps: true, versionKey: false, collection: 'contacts' },
);
schema.index({ identities: 1 });
schema.index({ name: 1 });
// A contact's page gathers the contacts merged into it.
schema.index({ mergedInto: 1 });

export type ContactModel = Model<Contact>;
export const registerContactModel = (c: Connection): ContactModel => c.model<Contact>('Contact', schema);
