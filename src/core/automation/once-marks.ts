import { Schema, type Connection, type Model } from 'mongoose';
import { isDuplicateKeyError } from '../db/duplicate-key.js';

/**
 * "Do this once" across hub processes and restarts. A mark is a document whose `_id` names the occasion
 * (`csat:<ticket>:<solvedAt>`, `remind:<ticket>:<auditSeq>`…): the first insert wins, every other one gets
 * 11000. Conditional updates are not atomic on FerretDB; unique inserts are, on both databases.
 */
export interface OnceMark {
  _id: string;
  at: Date;
  data?: Record<string, unknown>;
}

const schema = new Schema<OnceMark>(
  { _id: { type: String, required: true }, at: { type: Date, required: true }, data: { type: Schema.Types.Mixed } },
  { versionKey: false, collection: 'automation_marks' },
);

export class OnceMarks {
  private readonly model: Model<OnceMark>;

  constructor(connection: Connection) {
    this.model = (connection.models.OnceMark as Model<OnceMark> | undefined) ?? connection.model<OnceMark>('OnceMark', schema);
  }

  /** True for the one caller that claimed the occasion; false for every other (now or after a restart). */
  async claim(key: string, at: Date, data?: Record<string, unknown>): Promise<boolean> {
    try {
      await this.model.collection.insertOne({ _id: key, at, ...(data ? { data } : {}) } as never);
      return true;
    } catch (err) {
      if (isDuplicateKeyError(err)) return false;
      throw err;
    }
  }

  async get(key: string): Promise<OnceMark | null> {
    return this.model.findById(key).lean<OnceMark>();
  }

  /** A plain pointer (last time something happened), overwritten: not an occasion, no race decided by it. */
  async set(key: string, at: Date, data?: Record<string, unknown>): Promise<void> {
    await this.model.replaceOne({ _id: key }, { _id: key, at, ...(data ? { data } : {}) }, { upsert: true });
  }

  /** Gives an occasion back (the work it guarded failed before anything reached the customer). */
  async release(key: string): Promise<void> {
    await this.model.deleteOne({ _id: key });
  }
}
