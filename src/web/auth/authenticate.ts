import type { Request } from 'express';
import type { Core } from '../../core/create-core.js';
import { ForbiddenError } from '../../core/errors/app-error.js';
import type { UserRole } from '../../core/models/user.js';
import type { Viewer } from '../../core/users/viewer.js';
import { readSessionToken } from './session-cookie.js';

/** The signed-in user, or 401 UNAUTHENTICATED. */
export function authenticate(core: Core, req: Request): Promise<Viewer> {
  return core.sessions.authenticate(readSessionToken(req));
}

/** Route-level role gate (services check their own rules as well). */
export function requireRole(viewer: Viewer, roles: readonly UserRole[]): void {
  if (!roles.includes(viewer.role)) throw new ForbiddenError(`Only ${roles.join(' or ')} users can do this`);
}

/** Client address for login throttling; `req.ip` honours `trust proxy` only when configured. */
export const clientAddress = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
