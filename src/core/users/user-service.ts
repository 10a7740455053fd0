import { randomBytes } from 'node:crypto';
import { Types } from 'mongoose';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { DomainEventBus } from '../events/event-bus.js';
import { hashPassword } from '../auth/passwords.js';
import { assertStrongPassword } from '../auth/password-policy.js';
import type { SessionService } from '../auth/session-service.js';
import { isDuplicateKeyError } from '../db/duplicate-key.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';
import { userRoles, type User } from '../models/user.js';
import type { Viewer } from './viewer.js';
import { UserLinks } from './user-links.js';
import { assertAnotherActiveAdmin } from './last-admin.js';
import { KeyedMutex } from '../sync/keyed-mutex.js';

const objectId = z.string().regex(/^[0-9a-f]{24}$/i, 'must be an id');

// Fields are declared once without defaults: zod applies `.default()` even
// under `.partial()`, so an update built from the create schema would reset
// every omitted field (role → agent, departments → none).
const userFields = {
  email: z.string().trim().toLowerCase().pipe(z.email()).pipe(z.string().max(320)),
  name: z.string().trim().min(1).max(120),
  role: z.enum(userRoles),
  departmentIds: z.array(objectId).max(50),
  // bcrypt reads only a password's first 72 bytes: a longer one would be accepted and then matched by any
  // password sharing its first 72 bytes, so it is refused with the reason instead.
  password: z
    .string()
    .min(10, 'must be at least 10 characters')
    .max(200)
    .refine((p) => Buffer.byteLength(p, 'utf8') <= 72, 'must be at most 72 bytes (72 plain letters; accented letters and emoji take 2 to 4 each)'),
  locale: z.enum(['en', 'pt', 'es']),
};
/** Without `password` the user is created with a one-time invite link (shown once to the admin) instead. */
export const CreateUserSchema = z.object({
  ...userFields,
  password: userFields.password.optional(),
  role: userFields.role.default('agent'),
  departmentIds: userFields.departmentIds.default([]),
  locale: userFields.locale.optional(),
});
export const UpdateUserSchema = z.object({ ...userFields, active: z.boolean() }).partial();
/** What every user changes on their own account (role, departments and email stay the admin's). */
export const UpdateOwnProfileSchema = z
  .object({ name: userFields.name, locale: userFields.locale })
  .partial()
  .refine((v) => v.name !== undefined || v.locale !== undefined, 'must change name or locale');
export const UseLinkSchema = z.object({ token: z.string().min(10).max(200), password: userFields.password });
export const ChangeOwnPasswordSchema = z.object({ currentPassword: z.string().min(1).max(200), newPassword: userFields.password });

export type PublicUser = Omit<User, 'passwordHash'>;
const publicUser = ({ passwordHash: _hidden, ...rest }: User): PublicUser => rest;

export function requireAdmin(viewer: Viewer): void {
  if (viewer.role !== 'admin') throw new ForbiddenError('Only administrators can do this');
}

export interface CreatedUser {
  user: PublicUser;
  /** The one-time invite link's token when no password was given; never stored in clear, shown once. */
  invite?: { token: string; expiresAt: Date };
}

export class UserService {
  private readonly links: UserLinks;
  /** Changes that can take an administrator away run one at a time in a process (see `update`). */
  private readonly adminChanges = new KeyedMutex();

  constructor(
    private readonly models: Models,
    private readonly sessions: SessionService,
    private readonly logger: Logger,
    private readonly bus: DomainEventBus,
  ) {
    this.links = new UserLinks(models.User.db);
  }

  /** Open consoles' pickers (assignee, transfer) follow the change without a reload. */
  private announce(): void {
    this.bus.publish({ type: 'directory.changed', at: new Date().toISOString(), what: 'users' });
  }

  async list(): Promise<PublicUser[]> {
    return (await this.models.User.find().sort({ name: 1 }).lean()).map(publicUser);
  }

  async get(id: string): Promise<PublicUser> {
    const user = Types.ObjectId.isValid(id) ? await this.models.User.findById(id).lean() : null;
    if (!user) throw new NotFoundError('User');
    return publicUser(user);
  }

  async create(viewer: Viewer, input: z.infer<typeof CreateUserSchema>): Promise<CreatedUser> {
    requireAdmin(viewer);
    if (input.password) assertStrongPassword(input.password, input);
    await this.assertDepartments(input.departmentIds);
    // An invited account gets a random password nobody knows until the link sets a real one.
    const { password, ...fields } = input;
    const passwordHash = await hashPassword(password ?? randomBytes(24).toString('base64url'));
    let created: User;
    try {
      const [doc] = await this.models.User.insertMany([{ ...fields, departmentIds: input.departmentIds.map((d) => new Types.ObjectId(d)), passwordHash }]);
      created = doc!.toObject() as User;
    } catch (err) {
      if (isDuplicateKeyError(err)) throw new ConflictError('EMAIL_TAKEN', 'A user with this email already exists');
      throw err;
    }
    this.logger.info({ userId: String(created._id), by: viewer.id, invited: !password }, 'user created');
    this.announce();
    if (password) return { user: publicUser(created) };
    return { user: publicUser(created), invite: await this.links.issue(created._id, 'invite', viewer.id) };
  }

  /** A one-time link with which the user sets a new password (the admin hands it over; no mail needed). */
  async issueResetLink(viewer: Viewer, id: string): Promise<{ token: string; expiresAt: Date }> {
    requireAdmin(viewer);
    const user = await this.get(id);
    const link = await this.links.issue(user._id, 'reset', viewer.id);
    this.logger.info({ userId: id, by: viewer.id }, 'password reset link issued');
    return link;
  }

  /** Who a link is for (name and email shown on the "set your password" page), without using it. */
  async describeLink(token: string): Promise<{ purpose: 'invite' | 'reset'; name: string; email: string; locale: User['locale'] | null }> {
    const link = await this.links.peek(token);
    const user = await this.get(String(link.userId));
    return { purpose: link.purpose, name: user.name, email: user.email, locale: user.locale ?? null };
  }

  /** Uses an invite or reset link: sets the password, ends every older session; returns the email to sign in with. */
  async useLink(input: z.infer<typeof UseLinkSchema>): Promise<{ email: string }> {
    const peeked = await this.links.peek(input.token);
    const user = await this.get(String(peeked.userId));
    // Before the link is used up: setting a password nobody can sign in with (401 after a "done") helps no one.
    if (user.active === false) throw new ConflictError('ACCOUNT_INACTIVE', 'This account is deactivated: ask an administrator to reactivate it, then use the link');
    assertStrongPassword(input.password, user);
    const link = await this.links.consume(input.token);
    await this.models.User.updateOne({ _id: link.userId }, { $set: { passwordHash: await hashPassword(input.password) } });
    await this.sessions.endSessionsOf(String(link.userId));
    this.logger.info({ userId: String(link.userId), purpose: link.purpose }, 'password set with a one-time link');
    return { email: user.email };
  }

  /** The signed-in user's own name and language. */
  async updateOwnProfile(viewer: Viewer, input: z.infer<typeof UpdateOwnProfileSchema>): Promise<PublicUser> {
    await this.models.User.updateOne({ _id: viewer.id }, { $set: input });
    this.announce();
    return this.get(viewer.id);
  }

  /**
   * `currentToken`: the session making the change; when the admin changes their own account it stays
   * signed in, every other session of the changed user ends (see `endSessionsOf`).
   */
  update(viewer: Viewer, id: string, input: z.infer<typeof UpdateUserSchema>, currentToken?: string): Promise<PublicUser> {
    requireAdmin(viewer);
    // Two admins demoting (or deactivating) each other at once both passed the last-admin check, each counting
    // the other, and left nobody to manage the install: such changes run one after the other, each check reading
    // what the one before wrote. (Across hub processes the check stays a read before the write.)
    const mayTakeAdmin = (input.role !== undefined && input.role !== 'admin') || input.active === false;
    return mayTakeAdmin ? this.adminChanges.run('admins', () => this.updateNow(viewer, id, input, currentToken)) : this.updateNow(viewer, id, input, currentToken);
  }

  private async updateNow(viewer: Viewer, id: string, input: z.infer<typeof UpdateUserSchema>, currentToken?: string): Promise<PublicUser> {
    const before = await this.get(id);
    if (input.departmentIds) await this.assertDepartments(input.departmentIds);
    const losesAdmin = before.role === 'admin' && before.active !== false && ((input.role && input.role !== 'admin') || input.active === false);
    if (losesAdmin) await assertAnotherActiveAdmin(this.models, id);
    // The id as stored: the path's id may be written in upper case.
    if (String(before._id) === viewer.id && (input.active === false || (input.role && input.role !== 'admin'))) {
      throw new ConflictError('SELF_LOCKOUT', 'You cannot deactivate or demote yourself');
    }
    if (input.password) assertStrongPassword(input.password, { email: input.email ?? before.email });
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
    // A link still out would set yet another password and sign its holder in: a password set here or a
    // deactivation voids it (see `changeOwnPassword` for the owner's change).
    if (input.active === false || password) await this.links.revokeAllOf(id);
    const departmentsChanged = departmentIds !== undefined && [...new Set(departmentIds.map((d) => d.toLowerCase()))].sort().join() !== before.departmentIds.map(String).sort().join();
    if (password || roleChanged || (input.active === false && before.active !== false)) {
      await this.sessions.endSessionsOf(id, id === viewer.id ? currentToken : undefined);
    } else if (departmentsChanged) {
      this.sessions.accessChanged(id);
    }
    this.announce();
    return this.get(id);
  }

  /**
   * The signed-in user changes their own password; their other sessions end, this one stays. The current
   * password is checked under the login limits (`clientAddress` is counted like a login's).
   */
  async changeOwnPassword(viewer: Viewer, input: z.infer<typeof ChangeOwnPasswordSchema>, currentToken: string | undefined, clientAddress: string): Promise<void> {
    const user = await this.models.User.findById(viewer.id).lean();
    if (!user || !(await this.sessions.checkPassword(user, input.currentPassword, clientAddress))) {
      throw new ForbiddenError('The current password is wrong');
    }
    assertStrongPassword(input.newPassword, user, 'newPassword');
    await this.models.User.updateOne({ _id: user._id }, { $set: { passwordHash: await hashPassword(input.newPassword) } });
    // A reset link handed out earlier (and perhaps left in a chat) must not undo this change.
    await this.links.revokeAllOf(user._id);
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
        { email, name: 'Administrator', role: 'admin', departmentIds: [], passwordHash: await hashPassword(password ?? generated!) },
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
