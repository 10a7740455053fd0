import { parse as parseCookies } from 'cookie';
import type { Request, Response } from 'express';
import type { Config } from '../../core/config/config.js';

export const SESSION_COOKIE = 'ponte_session';

type AuthConfig = Config['auth'];

function readCookie(req: Request, name: string): string | undefined {
  return parseCookies(req.headers.cookie ?? '')[name];
}

export const hasSessionCookie = (req: Request) => readCookie(req, SESSION_COOKIE) !== undefined;

/** The session token: the httpOnly cookie (console) or `Authorization: Bearer` (API clients; not sent by browsers on their own). */
export function readSessionToken(req: Request): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
  return bearer?.[1] ?? readCookie(req, SESSION_COOKIE);
}

const cookieOptions = (auth: AuthConfig) => ({ httpOnly: true, sameSite: 'lax' as const, secure: auth.cookieSecure, path: '/' });

/** Max-Age is the session TTL (the server-side session expires at the same moment). */
export function setSessionCookie(res: Response, auth: AuthConfig, token: string): void {
  res.cookie(SESSION_COOKIE, token, { ...cookieOptions(auth), maxAge: auth.sessionTtlMs });
}

export function clearSessionCookie(res: Response, auth: AuthConfig): void {
  res.clearCookie(SESSION_COOKIE, cookieOptions(auth));
}
