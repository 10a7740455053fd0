/**
 * Paths whose last segment is a bearer secret: an unused invite or password-reset link (the console's "set
 * your password" page asks who it is for before it is used — whoever reads the log could use it first and
 * take the account over) and a rating page's signed token. Logs keep the route, never the secret.
 */
// Case-insensitive, as express routes them.
const SECRET_SEGMENTS: ReadonlyArray<[RegExp, string]> = [
  [/^\/api\/auth\/links\/[^/]+\/?$/i, '/api/auth/links/:token'],
  [/^\/csat\/[^/]+\/?$/i, '/csat/:token'],
];

/** The request path as it may be logged (no query string, no secret segment). */
export function loggablePath(originalUrl: string): string {
  const path = originalUrl.split('?')[0] ?? '';
  for (const [pattern, shown] of SECRET_SEGMENTS) if (pattern.test(path)) return shown;
  return path;
}
