import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler, type Router } from 'express';

/** The project root (where package.json is), from src/ under tsx or dist/src/ when compiled. */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found');
    dir = up;
  }
  return dir;
}

/** Where `npm run build` puts the console (vite: src/web/console/vite.config.ts). */
export const consoleDir = () => path.join(projectRoot(), 'dist', 'console');

/**
 * The agent console's static files at `/console` (hashed assets cached for a
 * long time; index.html revalidated), any other `/console/*` path answers the
 * SPA, and `/` redirects there. Use as `createWebApp({ mounts: consoleMounts() })`.
 */
export function consoleMounts(dir = consoleDir()): Array<{ path: string; handler: Router | RequestHandler }> {
  const router = express.Router();
  router.use('/assets', express.static(path.join(dir, 'assets'), { fallthrough: false, immutable: true, maxAge: '365d', index: false }));
  let page: string | undefined;
  router.get(/.*/, (_req, res) => {
    const file = path.join(dir, 'index.html');
    if (!existsSync(file)) {
      res.status(503).type('text/plain').send('The console is not built. Run `npm run build`.');
      return;
    }
    page ??= readFileSync(file, 'utf8');
    res.setHeader('Cache-Control', 'no-cache');
    res.type('html').send(page);
  });
  const root: RequestHandler = (req, res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && req.path === '/') return res.redirect(302, '/console/');
    next();
  };
  return [
    { path: '/console', handler: router },
    { path: '/', handler: root },
  ];
}

/** Same, for an app built elsewhere: call before its 404 handler. */
export function mountConsole(app: Express, dir?: string): void {
  for (const m of consoleMounts(dir)) app.use(m.path, m.handler);
}
