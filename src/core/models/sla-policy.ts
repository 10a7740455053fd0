import { Schema, Types, type Connection, type Model } from 'mongoose';
import { channelKinds, type ChannelKind } from '../domain/channel-kind.js';
import type { TargetsByPriority } from '../sla/sla-targets.js';

/**
 * Per-priority targets, optionally scoped to an inbox or a channel kind and to a customer group (a contact
 * tag). Which one applies to a ticket: `src/core/sla/pick-policy.ts`.
 */
export interface SlaPolicyDoc {
  _id: Types.ObjectId;
  name: string;
  targets: TargetsByPriority;
  inboxId?: Types.ObjectId;
  channel?: ChannelKind;
  contactTag?: string;
  createdAt: Date;
  updatedAt: Date;
}

const target = new Schema(
  { firstResponseMinutes: { type: Number, default: null }, nextResponseMinutes: { type: Number, default: null }, resolutionMinutes: { type: Number, default: null } },
  { _id: false },
);

const schema = new Schema<SlaPolicyDoc>(
  {
    name: { type: String, required: true, trim: true, maxlength: 80 },
    targets: { urgent: { type: target, required: true }, high: { type: target, required: true }, normal: { type: target, required: true }, low: { type: target, required: true } },
    inboxId: { type: Schema.Types.ObjectId },
    channel: { type: String, enum: channelKinds },
    contactTag: { type: String, maxlength: 60 },
  },
  { timestamps: true, versionKey: false, collection: 'sla_policies' },
);
schema.index({ name: 1 }, { unique: true });

export type SlaPolicyModel = Model<SlaPolicyDoc>;
export const registerSlaPolicyModel = (c: Connection): SlaPolicyModel => c.model<SlaPolicyDoc>('SlaPolicy', schema);
