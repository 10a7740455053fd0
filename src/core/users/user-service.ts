import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { Logger } from 'pino';
import { hashPassword, verifyPassword } from '../auth/passwords.js';
import type { SessionService } from '../auth/session-service.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';
import { userRoles, type User } from '../models/user.js';
import type { Viewer } from './viewer.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');

// Fields are declared once without defaults: zod applies `.default()` even
// under `.partial()`, so an update built from the create schema would reset
// every omitted field (role → agent, departments → none).
const userFields = {
  email: z.string().trim().toLowerCase().pipe(z.email()).pipe(z.string().max(320)),
  name: z.string().trim().min(1).max(120),
  role: z.enum(userRoles),
  departmentIds: z.array(objectId).max(50),
  password: z.string().min(10, 'must be at least 10 characters').max(200),
  locale: z.enum(['en', 'pt', 'es']),
};
export const CreateUserSchema = z.object({
  ...userFields,
  role: userFields.role.default('agent'),
  departmentIds: userFields.departmentIds.default([]),
  locale: userFields.locale.default('en'),
});
export const UpdateUserSchema = z.object({ ...userFields, active: z.boolean() }).partial();
export const ChangeOwnPasswordSchema = z.object({ currentPassword: z.string().min(1).max(200), newPassword: userFields.password });

export type PublicUser = Omit<User, 'passwordHash'>;
const publicUser = ({ passwordHash: _hidden, ...rest }: User): PublicUser => rest;

export function requireAdmin(viewer: Viewer): void {
  if (viewer.role !== 'admin') throw new ForbiddenError('Only administrators can do this');
}

export class UserService {
  constructor(
    private readonly models: Models,
    private readonly sessions: SessionService,
    private readonly logger: Logger,
  ) {}

  async list(): Promise<PublicUser[]> {
    return (await this.models.User.find().sort({ name: 1 }).lean()).map(publicUser);
  }

  async get(id: string): Promise<PublicUser> {
    const user = Types.ObjectId.isValid(id) ? await this.models.User.findById(id).lean() : null;
    if (!user) throw new NotFoundError('User');
    return publicUser(user);
  }

  async create(viewer: Viewer, input: z.infer<typeof CreateUserSchema>): Promise<PublicUser> {
    requireAdmin(viewer);
    await this.assertDepartments(input.departmentIds);
    try {
      const [created] = await this.models.User.insertMany([
        { ...input, departmentIds: input.departmentIds.map((d) => new Types.ObjectId(d)), passwordHash: await hashPassword(input.password) },
      ]);
      this.logger.info({ userId: String(created!._id), by: viewer.id }, 'user created');
      return publicUser(created!.toObject() as User);
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new ConflictError('EMAIL_TAKEN', 'A user with this email already exists');
      throw err;
    }
  }

  /**
   * `currentToken`: the session making the change; when the admin changes their own account it stays
   * signed in, every other session of the changed user ends (see `endSessionsOf`).
   */
  async update(viewer: Viewer, id: string, input: z.infer<typeof UpdateUserSchema>, currentToken?: string): Promise<PublicUser> {
    requireAdmin(viewer);
    const before = await this.get(id);
    if (input.departmentIds) await this.assertDepartments(input.departmentIds);
    if (id === viewer.id && (input.active === false || (input.role && input.role !== 'admin'))) {
      throw new ConflictError('SELF_LOCKOUT', 'You cannot deactivate or demote yourself');
    }
    const { password, departmentIds, ...rest } = input;
    const set: Record<string, unknown> = { ...rest };
    if (departmentIds) set.departmentIds = departmentIds.map((d) => new Types.ObjectId(d));
    if (password) set.passwordHash = await hashPassword(password);
    try {
      await this.models.User.updateOne({ _id: id }, { $set: set });
    } catch (err) {
      if (isDuplicateKeyError(err) || (err as { code?: number }).code === 1) throw new ConflictError('EMAIL_TAKEN', 'A user with this email already exists');
      throw err;
    }
    // A reset password, another role or a deactivation must not leave old sessions (or sockets) working.
    const roleChanged = input.role !== undefined && input.role !== before.role;
    if (password || roleChanged || (input.active === false && before.active !== false)) {
      await this.sessions.endSessionsOf(id, id === viewer.id ? currentToken : undefined);
    }
    return this.get(id);
  }

  /** The signed-in user changes their own password; their other sessions end, this one stays. */
  async changeOwnPassword(viewer: Viewer, input: z.infer<typeof ChangeOwnPasswordSchema>, currentToken?: string): Promise<void> {
    const user = await this.models.User.findById(viewer.id).lean();
    if (!user || !(await verifyPassword(input.currentPassword, user.passwordHash))) {
      throw new ForbiddenError('The current password is wrong');
    }
    await this.models.User.updateOne({ _id: user._id }, { $set: { passwordHash: await hashPassword(input.newPassword) } });
    this.logger.info({ userId: viewer.id }, 'password changed by its owner');
    await this.sessions.endSessionsOf(viewer.id, currentToken);
  }

  /**
   * First start: an admin from ADMIN_EMAIL/ADMIN_PASSWORD, or a generated
   * password printed once. Does nothing when any admin exists.
   */
  async ensureAdmin(email: string, password: string | undefined): Promise<{ created: boolean; generatedPassword?: string }> {
    if (await this.models.User.exists({ role: 'admin' })) return { created: false };
    const generated = password ? undefined : randomBytes(12).toString('base64url');
    try {
      await this.models.User.insertMany([
        { email, name: 'Administrator', role: 'admin', departmentIds: [], passwordHash: await hashPassword(password ?? generated!), locale: 'en' },
      ]);
    } catch (err) {
      if (isDuplicateKeyError(err)) return { created: false };
      throw err;
    }
    return { created: true, ...(generated ? { generatedPassword: generated } : {}) };
  }

  private async assertDepartments(ids: string[]): Promise<void> {
    const found = await this.models.Department.countDocuments({ _id: { $in: ids.map((d) => new Types.ObjectId(d)) } });
    if (found !== new Set(ids).size) {
      throw new ValidationError('Unknown department', [{ path: 'departmentIds', message: 'contains an id that is not a department' }]);
    }
  }
}
