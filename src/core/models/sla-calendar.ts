import { Schema, Types, type Connection, type Model } from 'mongoose';

/** Business hours of one or more departments (validated by `businessCalendarSchema` before writing). */
export interface SlaCalendarDoc {
  _id: Types.ObjectId;
  name: string;
  timeZone: string;
  /**
   * Opening intervals, flat: `day` 0 = Monday … 6 = Sunday (FerretDB stores no nested arrays; the API's
   * `week` is seven lists, converted by `weekFromHours` / `hoursFromWeek`).
   */
  hours: Array<{ day: number; from: string; to: string }>;
  holidays: string[];
  /** Departments whose tickets count this calendar's hours (a department is in at most one). */
  departmentIds: Types.ObjectId[];
  /** Counts for tickets without a department, or whose department has no calendar. */
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const interval = new Schema({ day: { type: Number, required: true, min: 0, max: 6 }, from: { type: String, required: true }, to: { type: String, required: true } }, { _id: false });

const schema = new Schema<SlaCalendarDoc>(
  {
    name: { type: String, required: true, trim: true, maxlength: 80 },
    timeZone: { type: String, required: true },
    hours: { type: [interval], default: [] },
    holidays: { type: [String], default: [] },
    departmentIds: { type: [Schema.Types.ObjectId], default: [] },
    isDefault: { type: Boolean, default: false },
  },
  { timestamps: true, versionKey: false, collection: 'sla_calendars' },
);
schema.index({ name: 1 }, { unique: true });

export type SlaCalendarModel = Model<SlaCalendarDoc>;
export const registerSlaCalendarModel = (c: Connection): SlaCalendarModel => c.model<SlaCalendarDoc>('SlaCalendar', schema);
