import { Schema, type Connection, type Model } from 'mongoose';
import { z } from 'zod';
import { customerLanguages } from './language.js';

const template = z.string().trim().min(1).max(2_000);
const Templates = z.object({ pt: template, es: template, en: template }).partial();

/**
 * What an inbox does on its own: rating after solve, closing solved tickets, reminding waiting customers,
 * acknowledging new tickets. One document per inbox (`_id` = inbox id, read by `_id` only); absent = all off.
 */
export const InboxAutomationSchema = z.object({
  /** Language when neither the contact nor their message tells. */
  defaultLanguage: z.enum(customerLanguages).default('en'),
  csat: z.object({ enabled: z.boolean().default(false), windowDays: z.number().int().min(1).max(60).default(7) }).prefault({}),
  /** Solved tickets are closed this many days after solve; null = never. */
  autoCloseDays: z.number().int().min(1).max(365).nullable().default(null),
  /** Customers of pending tickets are reminded after this many days (once per pending period); null = never. */
  pendingReminderDays: z.number().int().min(1).max(365).nullable().default(null),
  pendingReminderTemplates: Templates.default({}),
  autoAck: z
    .object({
      enabled: z.boolean().default(false),
      templates: Templates.default({}),
      /** At most one acknowledgement per contact in this many minutes. */
      perContactMinutes: z.number().int().min(0).max(7 * 24 * 60).default(60),
    })
    .prefault({}),
});
export type InboxAutomation = z.infer<typeof InboxAutomationSchema>;
export const InboxAutomationInputSchema = InboxAutomationSchema;

interface Stored {
  _id: string;
  settingsJson: string;
  updatedAt: Date;
}
const schema = new Schema<Stored>(
  { _id: { type: String, required: true }, settingsJson: { type: String, required: true }, updatedAt: { type: Date, required: true } },
  { versionKey: false, collection: 'inbox_automation' },
);

const CACHE_MS = 5_000;

/** Per-inbox automation settings; cached briefly in process (every job and ingest run asks). */
export class InboxAutomationSettings {
  private readonly model: Model<Stored>;
  private readonly cache = new Map<string, { at: number; value: InboxAutomation }>();

  constructor(connection: Connection) {
    this.model = (connection.models.InboxAutomation as Model<Stored> | undefined) ?? connection.model<Stored>('InboxAutomation', schema);
  }

  async get(inboxId: string): Promise<InboxAutomation> {
    const hit = this.cache.get(inboxId);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
    const doc = await this.model.findById(inboxId).lean<Stored>();
    const value = InboxAutomationSchema.parse(doc ? JSON.parse(doc.settingsJson) : {});
    this.cache.set(inboxId, { at: Date.now(), value });
    return value;
  }

  /** Replaces the inbox's settings as a whole (the console sends the full form). */
  async put(inboxId: string, input: unknown): Promise<InboxAutomation> {
    const value = InboxAutomationSchema.parse(input);
    await this.model.replaceOne({ _id: inboxId }, { _id: inboxId, settingsJson: JSON.stringify(value), updatedAt: new Date() }, { upsert: true });
    this.cache.set(inboxId, { at: Date.now(), value });
    return value;
  }
}
