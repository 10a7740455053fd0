import { Schema, Types, type Connection, type Model } from 'mongoose';

export const userRoles = ['agent', 'supervisor', 'admin'] as const;
export type UserRole = (typeof userRoles)[number];

export interface User {
  _id: Types.ObjectId;
  email: string;
  name: string;
  role: UserRole;
  departmentIds: Types.ObjectId[];
  passwordHash: string;
  active: boolean;
  /** The console's language when the user chose one; unset = the browser's. */
  locale?: 'en' | 'pt' | 'es';
  lastLoginAt?: Date;
  /** Set by the agent (console header); 'offline' is never stored: it is the absence of a live socket. */
  availability: 'available' | 'away';
  /** Skills a routing rule may require (`billing`, `pt`); lower-case. */
  skills: string[];
  /** Concurrent auto-assigned tickets per lane; unset = the department's limit. */
  capacity?: { chat?: number; email?: number };
  createdAt: Date;
  updatedAt: Date;
}

const schema = new Schema<User>(
  {
    email: { type: String, required: true, lowercase: true, trim: true, maxlength: 320 },
    name: { type: String, required: true, maxlength: 120 },
    role: { type: String, required: true, enum: userRoles },
    departmentIds: { type: [Schema.Types.ObjectId], default: [] },
    passwordHash: { type: String, required: true },
    active: { type: Boolean, default: true },
    locale: { type: String, enum: ['en', 'pt', 'es'] },
    lastLoginAt: Date,
    availability: { type: String, enum: ['available', 'away'], default: 'available' },
    skills: { type: [String], default: [] },
    capacity: { chat: Number, email: Number },
  },
  { timestamps: true, versionKey: false, collection: 'users' },
);
schema.index({ email: 1 }, { unique: true });
// Never serialise the hash, whatever route forgets to project it away.
schema.set('toJSON', {
  transform: (_doc, ret) => {
    const { passwordHash: _hidden, ...rest } = ret;
    return rest;
  },
});

export type UserModel = Model<User>;
export const registerUserModel = (c: Connection): UserModel => c.model<User>('User', schema);
