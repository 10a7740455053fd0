import type { Express, Router } from 'express';

/**
 * The website chat's public routes at `/chat`. The router comes from
 * `createWebchat()` in src/channels/webchat (built by the composition root:
 * src/web may not import a channel).
 */
export const webchatMount = (router: Router) => ({ path: '/chat', handler: router });

export function mountWebchat(app: Express, router: Router): void {
  app.use('/chat', router);
}
