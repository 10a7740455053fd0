import { Schema, Types, type Connection, type Model } from 'mongoose';

export interface Department {
  _id: Types.ObjectId;
  name: string;
  description?: string;
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<Department>(
  {
    name: { type: String, required: true, trim: true, maxlength: 80 },
    description: { type: String, maxlength: 500 },
  },
  { timestamps: true, versionKey: false, collection: 'departments' },
);
schema.index({ name: 1 }, { unique: true });

export type DepartmentModel = Model<Department>;
export const registerDepartmentModel = (c: Connection): DepartmentModel => c.model<Department>('Department', schema);
