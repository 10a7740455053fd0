import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { UnauthenticatedError } from '../errors/app-error.js';
import type { DomainEventBus } from '../events/event-bus.js';
import type { Models } from '../models/registry.js';
import type { User } from '../models/user.js';
import type { Viewer } from '../users/viewer.js';
import { LoginThrottle } from './login-throttle.js';
import { DUMMY_HASH, verifyPassword } from './passwords.js';

export const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

export function toViewer(u: Pick<User, '_id' | 'name' | 'email' | 'role' | 'departmentIds'>): Viewer {
  return { id: String(u._id), name: u.name, email: u.email, role: u.role, departmentIds: u.departmentIds.map(String) };
}

/** Password login and opaque session tokens (only their hash is stored). */
export interface LoginLimits {
  /** Attempts per account per window. */
  maxAttempts: number;
  /** Attempts per client address per window (higher: an office behind one NAT shares it). */
  maxAttemptsPerAddress: number;
  windowMs: number;
}

export class SessionService {
  private readonly throttle: LoginThrottle;

  constructor(
    private readonly models: Models,
    private readonly ttlMs: number,
    private readonly limits: LoginLimits,
    private readonly bus: DomainEventBus,
    private readonly logger: Logger,
  ) {
    this.throttle = new LoginThrottle(limits.windowMs);
  }

  /** Counts one password attempt on the account and the address (before the hash: parallel attempts cannot all pass the check while bcrypt runs). */
  private reserveAttempt(normalisedEmail: string, clientAddress: string): { account: string; address: string } {
    const keys = { account: `email:${normalisedEmail}`, address: `ip:${clientAddress}` };
    this.throttle.reserve([
      { key: keys.address, max: this.limits.maxAttemptsPerAddress },
      { key: keys.account, max: this.limits.maxAttempts },
    ]);
    return keys;
  }

  async login(email: string, password: string, clientAddress: string): Promise<{ token: string; viewer: Viewer; expiresAt: Date }> {
    const normalised = email.trim().toLowerCase();
    const { account, address } = this.reserveAttempt(normalised, clientAddress);
    const user = await this.models.User.findOne({ email: normalised }).lean();
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || !user.active) {
      this.logger.info({ email: normalised, clientAddress }, 'login failed');
      throw new UnauthenticatedError('Wrong email or password');
    }
    this.throttle.succeed(account, address);
    const token = randomBytes(32).toString('base64url');
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    await this.models.Session.insertMany([{ _id: tokenId(token), userId: user._id, createdAt: now, expiresAt }]);
    await this.models.User.updateOne({ _id: user._id }, { $set: { lastLoginAt: now } });
    return { token, viewer: toViewer(user), expiresAt };
  }

  /**
   * A signed-in user's password checked again (a password change asks for the current one), counted like a
   * login attempt on the same account and address: a stolen session must not guess it faster than the login
   * page allows (429 RATE_LIMITED once the account or the address is at its limit).
   */
  async checkPassword(user: Pick<User, 'email' | 'passwordHash'>, password: string, clientAddress: string): Promise<boolean> {
    const { account, address } = this.reserveAttempt(user.email.trim().toLowerCase(), clientAddress);
    const ok = await verifyPassword(password, user.passwordHash);
    if (ok) this.throttle.succeed(account, address);
    return ok;
  }

  async authenticate(token: string | undefined): Promise<Viewer> {
    if (!token || token.length > 200) throw new UnauthenticatedError();
    const session = await this.models.Session.findById(tokenId(token)).lean();
    if (!session || session.expiresAt.getTime() <= Date.now()) throw new UnauthenticatedError('Session expired');
    const user = await this.models.User.findById(session.userId).lean();
    if (!user || !user.active) throw new UnauthenticatedError();
    return toViewer(user);
  }

  /** Ends this session; its sockets are re-checked at once (they would otherwise keep receiving until the periodic check). */
  async logout(token: string | undefined): Promise<void> {
    if (!token || token.length > 200) return;
    const session = await this.models.Session.findById(tokenId(token), { userId: 1 }).lean();
    if (!session) return;
    const { deletedCount } = await this.models.Session.deleteOne({ _id: session._id });
    if (deletedCount) this.bus.publish({ type: 'user.sessions_ended', at: new Date().toISOString(), userId: String(session.userId) });
  }

  /** The user's departments changed: their open sockets move rooms (and lose tickets they no longer see) now. */
  accessChanged(userId: string): void {
    this.bus.publish({ type: 'user.access_changed', at: new Date().toISOString(), userId });
  }

  /**
   * Ends every session of the user but `keepToken`'s (the one making the change, when it is theirs), cookie
   * and bearer alike (both are the same session documents), and tells the realtime layer to drop the
   * user's sockets that no longer authenticate. Used on password change or reset, role change and
   * deactivation.
   */
  async endSessionsOf(userId: string, keepToken?: string): Promise<number> {
    const filter = keepToken ? { userId, _id: { $ne: tokenId(keepToken) } } : { userId };
    const { deletedCount } = await this.models.Session.deleteMany(filter);
    this.logger.info({ userId, ended: deletedCount, keptCurrent: Boolean(keepToken) }, 'sessions ended');
    this.bus.publish({ type: 'user.sessions_ended', at: new Date().toISOString(), userId });
    return deletedCount;
  }

  purgeExpired() {
    return this.models.Session.deleteMany({ expiresAt: { $lte: new Date() } });
  }
}
