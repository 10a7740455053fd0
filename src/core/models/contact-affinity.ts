import { Schema, type Connection, type Model } from 'mongoose';

/** The agent who was last auto-assigned a customer (`_id = contactId`): a returning customer goes back to them. */
export interface ContactAffinity {
  _id: string;
  agentId: string;
  at: Date;
}

const schema = new Schema<ContactAffinity>(
  {
    _id: { type: String, required: true },
    agentId: { type: String, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false, collection: 'contact_affinities' },
);

export type ContactAffinityModel = Model<ContactAffinity>;
export const registerContactAffinityModel = (c: Connection): ContactAffinityModel => c.model<ContactAffinity>('ContactAffinity', schema);
