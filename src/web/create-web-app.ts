import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import type { Core } from '../core/create-core.js';
import { apiRoutes } from './api/api-routes.js';
import { buildApiRouter } from './api/mount-routes.js';
import { readAppVersion } from './http/app-version.js';
import { errorHandler } from './http/error-handler.js';
import { rejectMalformedUrl } from './http/malformed-url.js';
import { notFound } from './http/not-found.js';
import { originCheck } from './http/origin-check.js';
import { warnOnUntrustedProxyHeaders } from './http/proxy-header-warning.js';
import { requestContext } from './http/request-context.js';
import { securityHeaders } from './http/security-headers.js';

export interface WebAppOptions {
  core: Core;
  logger: Logger;
  /** Reported by `/api/health`: which database is serving (`mongodb`, `mongodb-memory-server`, `ferretdb`). */
  databaseKind: string;
  /** Defaults to package.json's version. */
  version?: string;
  /**
   * Extra handlers mounted after `/api` and before the final 404 and error
   * handlers, e.g. `{ path: '/webhooks', handler: webhookRouter }` (which reads
   * its own raw bodies) or the console's static files.
   */
  mounts?: ReadonlyArray<{ path: string; handler: Router | RequestHandler }>;
}

/** The HTTP app: security headers, request ids, CSRF origin check, the REST API, one error mapper. */
export function createWebApp({ core, logger, databaseKind, version = readAppVersion(), mounts = [] }: WebAppOptions): Express {
  const log = logger.child({ module: 'web' });
  const { config } = core;
  const app = express();
  app.disable('x-powered-by');
  // One reverse proxy hop, and only when configured; otherwise X-Forwarded-For is ignored.
  if (config.auth.trustProxy) app.set('trust proxy', 1);

  app.use(requestContext(log));
  app.use(warnOnUntrustedProxyHeaders(config.auth.trustProxy, log));
  app.use(securityHeaders({ hsts: config.auth.cookieSecure }));
  app.use(rejectMalformedUrl);
  app.use('/api', originCheck(config.publicUrl));
  app.use('/api', buildApiRouter(core, apiRoutes({ databaseKind, version, devInbound: config.devInboundEnabled })));
  app.use('/api', notFound);
  for (const m of mounts) app.use(m.path, m.handler);
  app.use(notFound);
  app.use(errorHandler(log));
  return app;
}
