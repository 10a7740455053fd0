import { defineRoute } from '../api/route.js';

export interface HealthInfo {
  databaseKind: string;
  version: string;
}

/** Liveness for `npm start` checks and load balancers; says which database is serving. */
export const healthRoutes = (info: HealthInfo) => [
  defineRoute({
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    tag: 'system',
    summary: 'Service health and the database kind in use',
    access: 'public',
    handler: ({ core }) => ({
      status: core.databaseConnected() ? 'ok' : 'degraded',
      database: info.databaseKind,
      version: info.version,
    }),
  }),
];
