import type { Logger } from 'pino';
import type { Router } from 'express';
import { WebchatChannel, type WebchatCore } from './webchat-channel.js';
import { createWebchatRouter } from './router.js';
import { projectToVisitor } from './visitor-projector.js';
import type { DocumentedOperation } from '../../core/domain/documented-operation.js';
import { webchatOperations } from './chat-api.js';

export { ensureDefaultWebchatInbox } from './default-inbox.js';
export { WebchatChannel } from './webchat-channel.js';

export interface Webchat {
  channel: WebchatChannel;
  /** Mount at `/chat`. */
  router: Router;
  /** The router's `/chat/api/*` operations, for `/api/openapi.json` (createWebApp `documentedOperations`). */
  operations: ReadonlyArray<DocumentedOperation>;
}

/**
 * Everything the website chat needs, built once in the composition root:
 *   const webchat = createWebchat({ core, secret, logger });
 *   channels factory: { webchat: webchat.channel.adapterFactory }
 *   createWebApp({ …, mounts: [mountWebchat(webchat.router)], documentedOperations: webchat.operations })
 *   after attachRealtime: webchat.channel.attachSockets(realtime.io, realtime.visitorTyping)
 */
export function createWebchat(opts: { core: WebchatCore; secret: string; logger: Logger; clientDir?: string }): Webchat {
  const channel = new WebchatChannel(opts.core, opts.secret, opts.logger.child({ module: 'webchat' }));
  // The second emitter (docs/architecture.md): domain events → the visitor's tabs. Nothing reaches a visitor
  // before `attachSockets`; the subscription ends with `channel.close()`.
  const unsubscribe = opts.core.bus.subscribe((e) => projectToVisitor(e, channel));
  channel.closeWith(unsubscribe);
  const router = createWebchatRouter({ core: opts.core, channel, logger: opts.logger, ...(opts.clientDir ? { clientDir: opts.clientDir } : {}) });
  return { channel, router, operations: webchatOperations };
}
