import { Schema, Types, type Connection, type Model } from 'mongoose';

/**
 * Shortcuts are unique across all responses, personal ones included: `/greeting` means one thing in a
 * team, and a personal response cannot shadow a shared one.
 */
/** A saved reply an agent inserts with `/shortcut`; `body` may hold `{{contact.name}}`-style variables. */
export interface CannedResponse {
  _id: Types.ObjectId;
  /** Lower-case, unique: `greeting`, `refund-policy`. */
  shortcut: string;
  title: string;
  body: string;
  /** Shown to agents of this department only; none = everyone. */
  departmentId?: Types.ObjectId;
  /** A personal response: only this user sees and changes it (any agent may keep their own). */
  ownerId?: Types.ObjectId;
  createdBy?: Types.ObjectId;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<CannedResponse>(
  {
    shortcut: { type: String, required: true, lowercase: true, trim: true, maxlength: 40 },
    title: { type: String, required: true, maxlength: 120 },
    body: { type: String, required: true, maxlength: 10_000 },
    departmentId: { type: Schema.Types.ObjectId },
    ownerId: { type: Schema.Types.ObjectId },
    createdBy: { type: Schema.Types.ObjectId },
  },
  { timestamps: true, versionKey: false, collection: 'canned_responses' },
);
schema.index({ shortcut: 1 }, { unique: true });

export type CannedResponseModel = Model<CannedResponse>;
/** Registered on demand (the model registry is the core's; this module stays self-contained). */
export const cannedResponseModel = (c: Connection): CannedResponseModel =>
  (c.models.CannedResponse as CannedResponseModel | undefined) ?? c.model<CannedResponse>('CannedResponse', schema);
