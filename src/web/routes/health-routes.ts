import type { HealthReport } from '../../core/health/health-check.js';
import { defineRoute } from '../api/route.js';
import type { CapacityAdvice } from '../../core/db/embedded-capacity.js';

export interface HealthInfo {
  databaseKind: string;
  version: string;
  /** Set when the embedded database holds more tickets than it serves well: the message names the way out. */
  capacity?: () => CapacityAdvice | undefined;
}

/**
 * For `npm start` checks and load balancers: each part (database ping with a deadline, job scheduler, the
 * start-up catch-up's backlog, each inbox's channel) and 503 when the database does not answer.
 */
export const healthRoutes = (info: HealthInfo) => [
  defineRoute({
    method: 'get',
    path: '/health',
    operationId: 'getHealth',
    tag: 'system',
    summary: 'Service health by part (database, jobs, inbound backlog, channels); 503 when the database is down',
    access: 'public',
    statusOf: (report: Pick<HealthReport, 'status'>) => (report.status === 'down' ? 503 : 200),
    handler: async ({ core }) => {
      const report = await core.health.report();
      const capacity = info.capacity?.();
      return { status: report.status, database: info.databaseKind, version: info.version, parts: report.parts, ...(capacity ? { capacity } : {}) };
    },
  }),
];
