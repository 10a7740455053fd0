import { Schema, Types, type Connection, type Model } from 'mongoose';

export interface DepartmentAssignment {
  mode: 'manual' | 'round_robin' | 'least_loaded';
  capacity: { chat: number; email: number };
  overflowDepartmentId?: Types.ObjectId;
  overflowAfterMinutes?: number;
}

export interface Department {
  _id: Types.ObjectId;
  name: string;
  description?: string;
  /** Automatic assignment (src/core/assignment); absent = manual. */
  assignment?: DepartmentAssignment;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<Department>(
  {
    name: { type: String, required: true, trim: true, maxlength: 80 },
    description: { type: String, maxlength: 500 },
    assignment: {
      mode: { type: String, enum: ['manual', 'round_robin', 'least_loaded'] },
      capacity: { chat: Number, email: Number },
      overflowDepartmentId: { type: Schema.Types.ObjectId },
      overflowAfterMinutes: Number,
    },
  },
  { timestamps: true, versionKey: false, collection: 'departments' },
);
schema.index({ name: 1 }, { unique: true });

export type DepartmentModel = Model<Department>;
export const registerDepartmentModel = (c: Connection): DepartmentModel => c.model<Department>('Department', schema);
