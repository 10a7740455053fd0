import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { UnauthenticatedError } from '../errors/app-error.js';
import type { Models } from '../models/registry.js';
import type { User } from '../models/user.js';
import type { Viewer } from '../users/viewer.js';
import { LoginThrottle } from './login-throttle.js';
import { DUMMY_HASH, verifyPassword } from './passwords.js';

const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

export function toViewer(u: Pick<User, '_id' | 'name' | 'email' | 'role' | 'departmentIds'>): Viewer {
  return { id: String(u._id), name: u.name, email: u.email, role: u.role, departmentIds: u.departmentIds.map(String) };
}

/** Password login and opaque session tokens (only their hash is stored). */
export class SessionService {
  private readonly throttle: LoginThrottle;

  constructor(
    private readonly models: Models,
    private readonly ttlMs: number,
    limits: { maxAttempts: number; windowMs: number },
    private readonly logger: Logger,
  ) {
    this.throttle = new LoginThrottle(limits.maxAttempts, limits.windowMs);
  }

  async login(email: string, password: string, clientAddress: string): Promise<{ token: string; viewer: Viewer; expiresAt: Date }> {
    const normalised = email.trim().toLowerCase();
    const keys = [`ip:${clientAddress}`, `email:${normalised}`];
    this.throttle.check(keys);
    const user = await this.models.User.findOne({ email: normalised }).lean();
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || !user.active) {
      this.throttle.fail(keys);
      this.logger.info({ email: normalised, clientAddress }, 'login failed');
      throw new UnauthenticatedError('Wrong email or password');
    }
    this.throttle.succeed([`email:${normalised}`]);
    const token = randomBytes(32).toString('base64url');
    const now = new Date();
    const expiresAt = new Date(now.getTime() + this.ttlMs);
    await this.models.Session.insertMany([{ _id: tokenId(token), userId: user._id, createdAt: now, expiresAt }]);
    await this.models.User.updateOne({ _id: user._id }, { $set: { lastLoginAt: now } });
    return { token, viewer: toViewer(user), expiresAt };
  }

  async authenticate(token: string | undefined): Promise<Viewer> {
    if (!token || token.length > 200) throw new UnauthenticatedError();
    const session = await this.models.Session.findById(tokenId(token)).lean();
    if (!session || session.expiresAt.getTime() <= Date.now()) throw new UnauthenticatedError('Session expired');
    const user = await this.models.User.findById(session.userId).lean();
    if (!user || !user.active) throw new UnauthenticatedError();
    return toViewer(user);
  }

  async logout(token: string | undefined): Promise<void> {
    if (token) await this.models.Session.deleteOne({ _id: tokenId(token) });
  }

  async revokeAllFor(userId: string): Promise<void> {
    await this.models.Session.deleteMany({ userId });
  }

  purgeExpired() {
    return this.models.Session.deleteMany({ expiresAt: { $lte: new Date() } });
  }
}
