import { parse as parseCookies } from 'cookie';
import type { IncomingMessage } from 'node:http';
import type { Viewer } from '../core/users/viewer.js';

/** Same cookie as the REST API; the socket handshake never takes a token in the query string. */
export const SESSION_COOKIE = 'ponte_session';

export function readCookie(header: string | undefined, name: string): string | undefined {
  return parseCookies(header ?? '')[name];
}

/**
 * Cross-site WebSocket hijacking guard: browsers send the session cookie with
 * a cross-origin WebSocket handshake, so the Origin (when present) must be
 * ours — the configured public URL or the Host the request was made to.
 */
export function originAllowed(req: IncomingMessage, publicUrl: string): boolean {
  const origin = req.headers.origin;
  if (!origin) return true; // non-browser clients (bench, tests) send none; the cookie still decides
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  try {
    if (new URL(publicUrl).host === originHost) return true;
  } catch {
    // fall through to the Host header
  }
  return req.headers.host === originHost;
}

export interface SocketAuth {
  viewer: Viewer;
  token: string;
}

export async function authenticateHandshake(
  req: IncomingMessage,
  authenticate: (token: string | undefined) => Promise<Viewer>,
): Promise<SocketAuth> {
  const token = readCookie(req.headers.cookie, SESSION_COOKIE);
  const viewer = await authenticate(token);
  return { viewer, token: token! };
}
