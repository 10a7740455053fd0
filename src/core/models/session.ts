import { Schema, Types, type Connection, type Model } from 'mongoose';

/** A login session. `_id` is the SHA-256 of the cookie token, so a database leak yields no usable cookie. */
export interface Session {
  _id: string;
  userId: Types.ObjectId;
  createdAt: Date;
  expiresAt: Date;
}

const schema = new Schema<Session>(
  {
    _id: { type: String, required: true },
    userId: { type: Schema.Types.ObjectId, required: true },
    createdAt: { type: Date, required: true },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'sessions' },
);
// No TTL index (FerretDB lacks them): expired sessions are refused on read and purged by a job.
schema.index({ expiresAt: 1 });
schema.index({ userId: 1 });

export type SessionModel = Model<Session>;
export const registerSessionModel = (c: Connection): SessionModel => c.model<Session>('Session', schema);
