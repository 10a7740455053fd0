import { Schema, Types, type Connection, type Model } from 'mongoose';
import type { ChannelKind } from '../domain/channel-kind.js';
import { channelKinds } from '../domain/channel-kind.js';

export type SettingValue = string | number | boolean;

/** One configured channel account. Secrets live only in `settingsCipher` (AES-256-GCM). */
export interface Inbox {
  _id: Types.ObjectId;
  kind: ChannelKind;
  name: string;
  departmentId?: Types.ObjectId;
  enabled: boolean;
  /** Non-secret settings, returned by the API; one level of grouping (`imap: { host, port }`). */
  publicSettings: Record<string, SettingValue | Record<string, SettingValue>>;
  /** Encrypted JSON of the secret settings; never returned or logged. */
  settingsCipher?: string;
  reopenWindowDays?: number;
  health: { status: 'ok' | 'degraded' | 'down' | 'unknown'; detail?: string; qr?: string; checkedAt?: Date };
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<Inbox>(
  {
    kind: { type: String, required: true, enum: channelKinds },
    name: { type: String, required: true, maxlength: 120 },
    departmentId: { type: Schema.Types.ObjectId },
    enabled: { type: Boolean, default: true },
    publicSettings: { type: Schema.Types.Mixed, default: {} },
    settingsCipher: { type: String },
    reopenWindowDays: { type: Number, min: 0 },
    health: {
      status: { type: String, enum: ['ok', 'degraded', 'down', 'unknown'], default: 'unknown' },
      detail: String,
      qr: String,
      checkedAt: Date,
    },
  },
  { timestamps: true, versionKey: false, collection: 'inboxes', minimize: false },
);
schema.index({ name: 1 }, { unique: true });

export type InboxModel = Model<Inbox>;
export const registerInboxModel = (c: Connection): InboxModel => c.model<Inbox>('Inbox', schema);
