import { cannedRoutes } from '../canned/canned-routes.js';
import { attachmentRoutes } from '../routes/attachment-routes.js';
import { auditRoutes } from '../routes/audit-routes.js';
import { authRoutes } from '../routes/auth-routes.js';
import { channelKindRoutes } from '../routes/channel-kind-routes.js';
import type { ChannelDescription } from '../../core/domain/channel-settings-form.js';
import { conversationRoutes } from '../routes/conversation-routes.js';
import { contactRoutes } from '../routes/contact-routes.js';
import { departmentRoutes } from '../routes/department-routes.js';
import { devInboundRoutes } from '../routes/dev-inbound-routes.js';
import { healthRoutes } from '../routes/health-routes.js';
import { inboxRoutes } from '../routes/inbox-routes.js';
import { messageRoutes } from '../routes/message-routes.js';
import { reportRoutes } from '../routes/report-routes.js';
import { ticketRoutes } from '../routes/ticket-routes.js';
import { ticketSearchRoutes } from '../routes/ticket-search-routes.js';
import { userRoutes } from '../routes/user-routes.js';
import { slaRoutes } from '../routes/sla-routes.js';
import { routingRoutes } from '../routes/routing-routes.js';
import { buildOpenApiDocument } from './openapi-document.js';
import { automationRoutes } from '../automation/automation-routes.js';
import { macroRoutes } from '../macros/macro-routes.js';
import type { CapacityAdvice } from '../../core/db/embedded-capacity.js';
import type { DocumentedOperation } from '../../core/domain/documented-operation.js';
import { defineRoute, type AnyRoute } from './route.js';

export interface ApiRouteOptions {
  databaseKind: string;
  version: string;
  devInbound: boolean;
  /** Channel kinds this build runs (from the channel catalogue). */
  channelKinds?: ReadonlyArray<ChannelDescription>;
  /** The embedded database's capacity advice, when past what it serves well (health). */
  capacity?: () => CapacityAdvice | undefined;
  /** Operations other routers serve (the website chat's `/chat/api/*`), listed in the document too. */
  documentedOperations?: ReadonlyArray<DocumentedOperation>;
}

/**
 * The route registry: the router and `/api/openapi.json` are both built from
 * this list, so the document cannot drift from what is served.
 */
export function apiRoutes(opts: ApiRouteOptions): AnyRoute[] {
  const routes: AnyRoute[] = [
    ...healthRoutes(opts),
    ...authRoutes,
    ...ticketRoutes,
    ...conversationRoutes,
    ...messageRoutes,
    ...auditRoutes,
    ...attachmentRoutes,
    ...contactRoutes,
    ...userRoutes,
    ...departmentRoutes,
    ...inboxRoutes,
    ...channelKindRoutes(opts.channelKinds ?? []),
    ...cannedRoutes,
    ...reportRoutes,
    ...slaRoutes,
    ...routingRoutes,
    ...automationRoutes,
    ...macroRoutes,
    ...ticketSearchRoutes,
    ...(opts.devInbound ? devInboundRoutes : []),
  ];
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;
  routes.push(
    defineRoute({
      method: 'get',
      path: '/openapi.json',
      operationId: 'getOpenApiDocument',
      tag: 'system',
      summary: 'This document',
      access: 'public',
      handler: () => (document ??= buildOpenApiDocument(routes, { version: opts.version }, opts.documentedOperations)),
    }),
  );
  return routes;
}
