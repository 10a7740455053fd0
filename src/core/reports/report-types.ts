import type { Granularity } from './report-calendar.js';

/**
 * The shapes reports answer with, free of database and Node types so the console imports them
 * (`src/web/console`) and a server change breaks its build instead of its screens.
 */

/** What a report shows for a set of rows; times in seconds, rates in percent (null when undefined). */
export interface Figures {
  newTickets: number;
  inbound: number;
  outbound: number;
  resolved: number;
  reopened: number;
  firstResponses: number;
  frtMedian: number | null;
  frtP90: number | null;
  resMedian: number | null;
  resP90: number | null;
  frtSlaPct: number | null;
  resSlaPct: number | null;
  reopenRatePct: number | null;
  /** Average rating 1–5 (one decimal) of the ratings given; null when none. */
  csatAvg: number | null;
  /** Ratings given per CSAT question sent, in percent. */
  csatResponsePct: number | null;
  csatRated: number;
}

export interface ChannelReport {
  from: string;
  to: string;
  granularity: Granularity;
  /** One entry per period: new tickets and figures per channel, and the period total. */
  series: Array<{ period: string; total: Figures; byChannel: Record<string, Figures> }>;
  byChannel: Array<{ channel: string; figures: Figures }>;
  byInbox: Array<{ inboxId: string; channel: string; figures: Figures }>;
  total: Figures;
  previous: { from: string; to: string; total: Figures };
  /** Net change of the open backlog per period: created − resolved + reopened (see docs). */
  flows: Array<{ period: string; net: number }>;
  /** Net change from the end of the range to today, for anchoring the backlog trend on "now". */
  flowAfter: number;
}

export interface AgentReport {
  from: string;
  to: string;
  agents: Array<{ agentId: string; handled: number; replies: number; availableSeconds: number; awaySeconds: number; figures: Figures }>;
  total: Figures;
  previous: { from: string; to: string; total: Figures };
}

export type ReportLabels = { inboxes: Record<string, string>; departments: Record<string, string>; agents: Record<string, string> };

/** The backlog by status now and at the end of each period (`ReportsService.channelReport`). */
export interface Backlog {
  now: Record<string, number>;
  trend: Array<{ period: string; open: number }>;
}

/** What `GET /api/reports/channels` and `/agents` answer: the report and the names of what it counts. */
export type ChannelReportView = ChannelReport & { backlog: Backlog; labels: ReportLabels };
export type AgentReportView = AgentReport & { labels: ReportLabels };

export interface LiveSnapshot {
  at: string;
  /** Open tickets by channel and status: `{ email: { new: 3, open: 1 } }`. */
  open: Record<string, Record<string, number>>;
  openTotal: number;
  waiting: number;
  /** Seconds the longest-waiting customer has waited. */
  longestWaitSeconds: number | null;
  /** Filled by the realtime layer, which knows who is connected. */
  agentsOnline?: number;
  agentsAway?: number;
}

