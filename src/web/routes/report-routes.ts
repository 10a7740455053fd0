import type { Response } from 'express';
import { z } from 'zod';
import { channelKinds } from '../../core/domain/channel-kind.js';
import { defineRoute } from '../api/route.js';
import { toCsv, type Cell } from '../reports/report-csv.js';
import { agentTable, channelTable, liveTable } from '../reports/report-tables.js';
import { ReportDaySchema } from '../../core/reports/report-range.js';
import { ObjectIdSchema } from '../schemas/common-schemas.js';


/** Filters shared by every report; the server narrows them further to what the viewer may see. */
const FiltersSchema = z.object({
  departmentId: ObjectIdSchema.optional(),
  channel: z.enum(channelKinds).optional(),
  inboxId: ObjectIdSchema.optional(),
  agentId: ObjectIdSchema.optional(),
});

const RangeSchema = FiltersSchema.extend({
  from: ReportDaySchema.optional(),
  to: ReportDaySchema.optional(),
  granularity: z.enum(['day', 'week', 'month']).default('day'),
});
// The order of from and to and the length of the range are checked by the reports service, after its defaults.

const CsvOptions = { lang: z.enum(['en', 'pt', 'es']).default('en') };

function sendCsv(res: Response, name: string, table: { header: string[]; rows: Cell[][] }): void {
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${name}.csv"`);
  res.setHeader('Cache-Control', 'no-store');
  res.status(200).send(toCsv(table.header, table.rows));
}

const fileName = (what: string, q: { from?: string | undefined; to?: string | undefined }) => `ponte-${what}${q.from ? `-${q.from}` : ''}${q.to ? `-${q.to}` : ''}`;

/**
 * Supervisor reports, read from rollups (src/core/reports). Any signed-in user may ask: admins see
 * everything, supervisors their departments, agents their own numbers (ReportsService decides).
 */
export const reportRoutes = [
  defineRoute({
    method: 'get',
    path: '/reports/channels',
    operationId: 'getChannelReport',
    tag: 'reports',
    summary: 'Channel report: per channel, inbox and period — volumes, response and resolution times, SLA, reopens, backlog',
    access: 'user',
    query: RangeSchema,
    handler: async ({ core, viewer, query }) => ({ ...(await core.reports.channelReport(viewer, query)), labels: await core.reports.labels() }),
  }),
  defineRoute({
    method: 'get',
    path: '/reports/channels.csv',
    operationId: 'exportChannelReport',
    tag: 'reports',
    summary: 'One table of the channel report as CSV (UTF-8 with BOM, `;`-separated, totals row last)',
    access: 'user',
    query: RangeSchema.and(z.object({ table: z.enum(['channels', 'inboxes', 'periods']).default('channels'), ...CsvOptions })),
    produces: 'stream',
    handler: async ({ core, viewer, query, res }) => {
      const [report, labels] = await Promise.all([core.reports.channelReport(viewer, query), core.reports.labels()]);
      sendCsv(res, fileName(`channels-${query.table}`, query), channelTable(report, query.table, labels, query.lang));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/reports/agents',
    operationId: 'getAgentReport',
    tag: 'reports',
    summary: 'Agent report: tickets handled, replies, response and resolution times, SLA per agent',
    access: 'user',
    query: RangeSchema,
    handler: async ({ core, viewer, query }) => ({ ...(await core.reports.agentReport(viewer, query)), labels: await core.reports.labels() }),
  }),
  defineRoute({
    method: 'get',
    path: '/reports/agents.csv',
    operationId: 'exportAgentReport',
    tag: 'reports',
    summary: 'The agent report as CSV (UTF-8 with BOM, `;`-separated, totals row last)',
    access: 'user',
    query: RangeSchema.and(z.object(CsvOptions)),
    produces: 'stream',
    handler: async ({ core, viewer, query, res }) => {
      const [report, labels] = await Promise.all([core.reports.agentReport(viewer, query), core.reports.labels()]);
      sendCsv(res, fileName('agents', query), agentTable(report, labels, query.lang));
    },
  }),
  defineRoute({
    method: 'get',
    path: '/reports/live',
    operationId: 'getLiveReport',
    tag: 'reports',
    summary: 'Open work now: open tickets by channel and status, waiting customers, the longest wait',
    access: 'user',
    query: FiltersSchema,
    handler: ({ core, viewer, query }) => core.reports.live(viewer, query),
  }),
  defineRoute({
    method: 'get',
    path: '/reports/live.csv',
    operationId: 'exportLiveReport',
    tag: 'reports',
    summary: 'Open tickets by channel and status as CSV',
    access: 'user',
    query: FiltersSchema.extend(CsvOptions),
    produces: 'stream',
    handler: ({ core, viewer, query, res }) => sendCsv(res, 'ponte-live', liveTable(core.reports.live(viewer, query), query.lang)),
  }),
];
