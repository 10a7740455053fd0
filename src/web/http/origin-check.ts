import type { Request, RequestHandler } from 'express';
import { AppError } from '../../core/errors/app-error.js';
import { hasSessionCookie } from '../auth/session-cookie.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function originOf(url: string): string | undefined {
  try {
    const { origin } = new URL(url);
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

const mismatch = () => new AppError('CSRF_ORIGIN_MISMATCH', 'Cross-site request refused');

/**
 * CSRF defence on top of SameSite=Lax cookies. For state-changing requests:
 * an `Origin` header, when present, must be our public origin or the request's
 * own host; a request carrying the session cookie must prove where it comes
 * from (Origin, else Referer). Cookie-less API clients are unaffected.
 */
export function originCheck(publicUrl: string): RequestHandler {
  const publicOrigin = originOf(publicUrl);
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const allowed = new Set([publicOrigin, ownOrigin(req)]);
    const origin = req.get('origin');
    if (origin !== undefined) return next(allowed.has(origin) ? undefined : mismatch());
    if (!hasSessionCookie(req)) return next();
    const referer = req.get('referer');
    const from = referer ? originOf(referer) : undefined;
    return next(from && allowed.has(from) ? undefined : mismatch());
  };
}

const ownOrigin = (req: Request) => {
  const host = req.get('host');
  return host ? `${req.protocol}://${host}` : undefined;
};
