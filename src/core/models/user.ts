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
  locale: 'en' | 'pt' | 'es';
  lastLoginAt?: Date;
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
    locale: { type: String, enum: ['en', 'pt', 'es'], default: 'en' },
    lastLoginAt: Date,
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
