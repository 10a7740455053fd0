import { Schema, type Connection, type Model } from 'mongoose';

/** Durable per-inbox adapter state (e.g. IMAP cursor). Values are JSON text so any key shape is storable. */
export interface ChannelState {
  _id: string;
  inboxId: string;
  key: string;
  valueJson: string;
  updatedAt: Date;
}

const schema = new Schema<ChannelState>(
  {
    _id: { type: String, required: true },
    inboxId: { type: String, required: true },
    key: { type: String, required: true },
    valueJson: { type: String, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'channel_state' },
);

export type ChannelStateModel = Model<ChannelState>;
export const registerChannelStateModel = (c: Connection): ChannelStateModel =>
  c.model<ChannelState>('ChannelState', schema);
