import { Schema, Types, type Connection, type Model } from 'mongoose';

/**
 * An admin-managed routing rule (src/core/routing). Rules are tried in
 * `position` order when a ticket is created; the first whose conditions all
 * hold applies its actions. Empty condition lists mean "any".
 */
export interface RoutingRule {
  _id: Types.ObjectId;
  name: string;
  position: number;
  enabled: boolean;
  conditions: {
    inboxIds: string[];
    channels: string[];
    /** Any of these words or phrases in subject or text (accent- and case-insensitive). */
    keywords: string[];
    /** Any of these contact tags. */
    contactTags: string[];
    /** Weekly hours in the rule's own time zone; absent = always. */
    timeWindow?: { timeZone: string; days: number[]; from: string; to: string };
  };
  actions: {
    departmentId?: string;
    priority?: string;
    type?: string;
    tags: string[];
    requiredSkills: string[];
    cannedResponseId?: string;
  };
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<RoutingRule>(
  {
    name: { type: String, required: true, maxlength: 120 },
    position: { type: Number, required: true },
    enabled: { type: Boolean, default: true },
    conditions: {
      inboxIds: { type: [String], default: [] },
      channels: { type: [String], default: [] },
      keywords: { type: [String], default: [] },
      contactTags: { type: [String], default: [] },
      timeWindow: { timeZone: String, days: [Number], from: String, to: String },
    },
    actions: {
      departmentId: String,
      priority: String,
      type: { type: String },
      tags: { type: [String], default: [] },
      requiredSkills: { type: [String], default: [] },
      cannedResponseId: String,
    },
  },
  { timestamps: true, versionKey: false, collection: 'routing_rules' },
);

export type RoutingRuleModel = Model<RoutingRule>;
export const registerRoutingRuleModel = (c: Connection): RoutingRuleModel => c.model<RoutingRule>('RoutingRule', schema);
