import type { HealthReport } from '../../core/health/health-check.js';
import { defineRoute } from '../api/route.js';
import { authenticate } from '../auth/authenticate.js';
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
    handler: async ({ core, req }) => {
      const report = await core.health.report();
      const capacity = info.capacity?.();
      const viewer = await authenticate(core, req).catch(() => undefined);
      const parts = viewer && viewer.role !== 'agent' ? report.parts : publicParts(report.parts);
      return { status: report.status, database: info.databaseKind, version: info.version, parts, ...(capacity ? { capacity } : {}) };
    },
  }),
];

/**
 * What anyone on the internet may read: each part's status, and each inbox's kind and status. Inbox names and
 * ids, a channel's error detail (mailbox addresses, hosts, a platform's refusal) and the database's error were
 * public too; they are for admins and supervisors (signed in, or with a token).
 */
function publicParts(parts: HealthReport['parts']): HealthReport['parts'] {
  const { error: _error, ...database } = parts.database;
  return { ...parts, database, inboxes: parts.inboxes.map(({ kind, status }) => ({ kind, status })) as HealthReport['parts']['inboxes'] };
}
