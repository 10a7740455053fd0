import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The rating link's token: the request id and an HMAC of it under the instance secret. Nothing secret is
 * inside (ids), but nobody can make one for another ticket; expiry is the stored request's, checked on use.
 */
export function signCsatToken(secret: string, requestId: string): string {
  return `${Buffer.from(requestId).toString('base64url')}.${mac(secret, requestId)}`;
}

/** The request id a token names, or null when it was not made by us. */
export function verifyCsatToken(secret: string, token: string): string | null {
  const [body, sig, extra] = token.split('.');
  if (!body || !sig || extra !== undefined || !/^[A-Za-z0-9_-]+$/.test(body)) return null;
  const requestId = Buffer.from(body, 'base64url').toString('utf8');
  const expected = Buffer.from(mac(secret, requestId));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given) ? requestId : null;
}

const mac = (secret: string, requestId: string) => createHmac('sha256', secret).update(`csat:${requestId}`).digest('base64url').slice(0, 32);
