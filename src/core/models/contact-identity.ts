import { Schema, Types, type Connection, type Model } from 'mongoose';

/**
 * One document per identity key (`_id` = `phone:+5511…`, `email:ana@x.com`, …).
 * This, not the contact's `identities` array, is what makes a key belong to one
 * contact: FerretDB's unique index on an array field compares whole arrays, so
 * uniqueness per element must come from `_id`.
 */
export interface ContactIdentity {
  _id: string;
  contactId: Types.ObjectId;
  createdAt: Date;
}

const schema = new Schema<ContactIdentity>(
  {
    _id: { type: String, required: true },
    contactId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'contact_identities' },
);
schema.index({ contactId: 1 });

export type ContactIdentityModel = Model<ContactIdentity>;
export const registerContactIdentityModel = (c: Connection): ContactIdentityModel =>
  c.model<ContactIdentity>('ContactIdentity', schema);
