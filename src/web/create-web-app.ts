import express, { type Express, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import type { Core } from '../core/create-core.js';
import { apiRoutes } from './api/api-routes.js';
import { csatPageRouter } from './csat/csat-page-router.js';
import { buildApiRouter } from './api/mount-routes.js';
import { readAppVersion } from './http/app-version.js';
import { errorHandler } from './http/error-handler.js';
import { rejectMalformedUrl } from './http/malformed-url.js';
import { notFound } from './http/not-found.js';
import { originCheck } from './http/origin-check.js';
import { warnOnUntrustedProxyHeaders } from './http/proxy-header-warning.js';
import { requestContext } from './http/request-context.js';
import { securityHeaders } from './http/security-headers.js';
import { webhookRouter } from './webhooks/webhook-router.js';
import type { ChannelKind } from '../core/domain/channel-kind.js';
import type { ChannelWebhook } from '../core/domain/channel-webhook.js';
import type { ChannelDescription } from '../core/domain/channel-settings-form.js';
import type { CapacityAdvice } from '../core/db/embedded-capacity.js';
import type { DocumentedOperation } from '../core/domain/documented-operation.js';

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
  /** The webhook half of each channel kind (from the channel catalogue), served at `/webhooks/<kind>/<inboxId>`. */
  webhooks?: Partial<Record<ChannelKind, ChannelWebhook>>;
  /** Channel kinds this build runs, for `GET /api/channel-kinds`. */
  channelKinds?: ReadonlyArray<ChannelDescription>;
  /** Reported by `/api/health` when the embedded database holds more tickets than it serves well. */
  capacity?: () => CapacityAdvice | undefined;
  /** Operations served by mounts (the website chat's `/chat/api/*`), listed in `/api/openapi.json`. */
  documentedOperations?: ReadonlyArray<DocumentedOperation>;
}

/** The HTTP app: security headers, request ids, CSRF origin check, the REST API, one error mapper. */
export function createWebApp({
  core,
  logger,
  databaseKind,
  version = readAppVersion(),
  mounts = [],
  webhooks = {},
  channelKinds = [],
  capacity,
  documentedOperations = [],
}: WebAppOptions): Express {
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
  app.use('/api', buildApiRouter(core, apiRoutes({ databaseKind, version, devInbound: config.devInboundEnabled, channelKinds, documentedOperations, ...(capacity ? { capacity } : {}) })));
  app.use('/api', notFound);
  // Platforms sign what they send, not our origin: no CSRF origin check here; `verify` authenticates instead.
  app.use(
    '/webhooks',
    webhookRouter({
      inboxes: core.inboxes,
      accept: (events) => core.ingest.accept(events),
      webhooks,
      maxBodyBytes: config.webhooks.maxBodyBytes,
      logger: log,
    }),
  );
  app.use('/csat', csatPageRouter(core));
  for (const m of mounts) app.use(m.path, m.handler);
  app.use(notFound);
  app.use(errorHandler(log));
  return app;
}
