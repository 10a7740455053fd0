import type { RequestHandler } from 'express';

/** JSON and downloads: nothing may load, frame or submit anything. */
const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
/** The console (static files, later): own origin only, websockets for realtime. */
const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; " +
  "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

const isMachinePath = (p: string) => p === '/api' || p.startsWith('/api/') || p.startsWith('/webhooks/');

export function securityHeaders(opts: { hsts: boolean }): RequestHandler {
  return (req, res, next) => {
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // Our own pages send a Referer to us (the CSRF fallback check uses it); other sites get none.
    res.setHeader('Referrer-Policy', 'same-origin');
    res.setHeader('X-Frame-Options', 'DENY');
    res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    const machine = isMachinePath(req.path);
    res.setHeader('Content-Security-Policy', machine ? API_CSP : APP_CSP);
    if (machine) res.setHeader('Cache-Control', 'no-store');
    if (opts.hsts) res.setHeader('Strict-Transport-Security', 'max-age=15552000; includeSubDomains');
    next();
  };
}
