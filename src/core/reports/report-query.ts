import type { RollupStore } from './rollup-store.js';
import { decodePackedDays, decodePackedRows, type Packed } from './row-codec.js';
import { MetricsSum } from './metrics-sum.js';
import { addDays, daysBetween, monthFirstDay, monthLastDay, monthOf, periodOf, previousRange, type Granularity } from './report-calendar.js';
import { figuresOf, type Figures } from './report-figures.js';
import type { AgentReport, ChannelReport } from './report-types.js';

export type { AgentReport, ChannelReport };
import { NONE } from './report-facts.js';
import { rowVisible, type ReportFilters, type ReportScope, type RowDims } from './report-scope.js';
import type { Metrics } from './rollup-metrics.js';

export interface ReportRange {
  from: string;
  to: string;
  granularity: Granularity;
}

/** Rows of one period (a day, or a whole month read from its month document). */
interface PeriodRows {
  period: string;
  rows: Packed[];
}

/**
 * Reads the rollups covering `from..to` from month documents by `_id` only (one read per month touched):
 * a month wholly inside the range, when reporting by month, as its summed rows; any other month as its
 * per-day rows, of which the days in the range are kept. A year is 13 reads, a month 1 or 2.
 */
export async function readRange(store: RollupStore, from: string, to: string, useMonths: boolean, reads = new Map<string, Promise<unknown>>()): Promise<PeriodRows[]> {
  if (store.hasDirtyMonths()) await store.flush();
  // The range and its comparison period often share an edge month: each document is read once per report.
  const once = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    if (!reads.has(key)) reads.set(key, read());
    return reads.get(key) as Promise<T>;
  };
  const months: string[] = [];
  for (let m = monthOf(from); m <= monthOf(to); m = monthOf(addDays(monthLastDay(m), 1))) months.push(m);
  const parts = await Promise.all(
    months.map(async (m): Promise<PeriodRows[]> => {
      if (useMonths && monthFirstDay(m) >= from && monthLastDay(m) <= to) {
        const doc = await once(`m:${m}`, () => store.months.findOne({ _id: m }));
        return [{ period: m, rows: doc ? decodePackedRows(doc.rows) : [] }];
      }
      const doc = await once(`d:${m}`, () => store.monthDays.findOne({ _id: m }));
      const byDay = doc ? decodePackedDays(doc.days) : {};
      return Object.entries(byDay)
        .filter(([d]) => d >= from && d <= to)
        .map(([d, rows]) => ({ period: d, rows }));
    }),
  );
  return parts.flat();
}

/** Row dimensions read in place from a packed row (one object reused: a report tests ~5,000 rows). */
function visibleIn(scope: ReportScope, filters: ReportFilters): (p: Packed) => boolean {
  const dims: RowDims = { inbox: '', channel: '', dept: '', agent: '' };
  return (p) => {
    [dims.inbox, dims.channel, dims.dept, dims.agent] = p;
    return rowVisible(scope, filters, dims);
  };
}

const sum = (rows: Iterable<Packed>): Metrics => {
  const m = new MetricsSum();
  for (const r of rows) m.add(r);
  return m.toMetrics();
};

function sumOf(sums: Map<string, MetricsSum>, key: string): MetricsSum {
  let m = sums.get(key);
  if (!m) sums.set(key, (m = new MetricsSum()));
  return m;
}

/** The open backlog's change: what came in (created, reopened) less what left (solved, closed without a solve). */
const net = (m: Metrics) => m.created - m.resolved + m.reopened - m.closedUnsolved;

export async function channelReport(
  store: RollupStore,
  range: ReportRange,
  scope: ReportScope,
  filters: ReportFilters,
  today: string,
): Promise<ChannelReport> {
  const prev = previousRange(range.from, range.to);
  const reads = new Map<string, Promise<unknown>>();
  const [periods, previous, after] = await Promise.all([
    readRange(store, range.from, range.to, range.granularity === 'month', reads),
    readRange(store, prev.from, prev.to, true, reads),
    range.to < today ? readRange(store, addDays(range.to, 1), today, true, reads) : Promise.resolve([]),
  ]);
  const isVisible = visibleIn(scope, filters);
  const visible = (rows: Packed[]) => rows.filter(isVisible);
  // One pass over the rows, each added once to every total it belongs to (a year is ~5,000 rows; grouping
  // the same rows again per table cost three times the reads).
  const total = new MetricsSum();
  const perPeriod = new Map<string, { total: MetricsSum; byChannel: Map<string, MetricsSum> }>();
  const byChannelSum = new Map<string, MetricsSum>();
  const byInboxSum = new Map<string, MetricsSum>();
  for (const p of periods) {
    // A month document's period is its month; a day's is its day, week or month.
    const key = p.period.length === 7 ? p.period : periodOf(p.period, range.granularity);
    let period = perPeriod.get(key);
    if (!period) perPeriod.set(key, (period = { total: new MetricsSum(), byChannel: new Map() }));
    for (const r of p.rows) {
      // Rows without an inbox hold only agents' availability (agent report).
      if (r[0] === NONE || !isVisible(r)) continue;
      const [inbox, channel] = r;
      total.add(r);
      period.total.add(r);
      sumOf(period.byChannel, channel).add(r);
      sumOf(byChannelSum, channel).add(r);
      sumOf(byInboxSum, `${inbox}|${channel}`).add(r);
    }
  }
  const periodKeys = [...new Set(daysBetween(range.from, range.to).map((d) => periodOf(d, range.granularity)))];
  const series = periodKeys.map((period) => {
    const sums = perPeriod.get(period);
    const byChannel: Record<string, Figures> = {};
    for (const [ch, m] of sums?.byChannel ?? []) byChannel[ch] = figuresOf(m.toMetrics());
    return { period, total: figuresOf((sums?.total ?? new MetricsSum()).toMetrics()), byChannel };
  });
  const flows = periodKeys.map((period) => ({ period, net: net((perPeriod.get(period)?.total ?? new MetricsSum()).toMetrics()) }));
  const byInbox = [...byInboxSum].map(([k, m]) => {
    const [inboxId, channel] = k.split('|') as [string, string];
    return { inboxId, channel, figures: figuresOf(m.toMetrics()) };
  });
  return {
    from: range.from,
    to: range.to,
    granularity: range.granularity,
    series,
    byChannel: [...byChannelSum].map(([channel, m]) => ({ channel, figures: figuresOf(m.toMetrics()) })).sort((a, b) => a.channel.localeCompare(b.channel)),
    byInbox: byInbox.sort((a, b) => a.channel.localeCompare(b.channel) || a.inboxId.localeCompare(b.inboxId)),
    total: figuresOf(total.toMetrics()),
    previous: { ...prev, total: figuresOf(sum(previous.flatMap((p) => visible(p.rows)))) },
    flows,
    flowAfter: net(sum(after.flatMap((p) => visible(p.rows)))),
  };
}

/**
 * `teamOf`: the agents whose availability a department-scoped viewer or a department filter may see
 * (availability rows have no department: an agent's time is not split between departments).
 */
export async function agentReport(
  store: RollupStore,
  range: { from: string; to: string },
  scope: ReportScope,
  filters: ReportFilters,
  teamOf: ((depts: string[]) => Promise<Set<string>>) | null = null,
): Promise<AgentReport> {
  const prev = previousRange(range.from, range.to);
  const reads = new Map<string, Promise<unknown>>();
  const depts = filters.departmentId ? [filters.departmentId] : scope.depts;
  const [periods, previous, team] = await Promise.all([
    readRange(store, range.from, range.to, true, reads),
    readRange(store, prev.from, prev.to, true, reads),
    depts && teamOf ? teamOf(depts) : Promise.resolve(null),
  ]);
  const isVisible = visibleIn(scope, filters);
  const availabilityVisible = (agent: string) =>
    !filters.channel && !filters.inboxId && (!scope.agent || agent === scope.agent) && (!filters.agentId || agent === filters.agentId) && (!depts || !!team?.has(agent));
  const agentRow = (r: Packed) => r[3] !== NONE && (r[0] === NONE ? availabilityVisible(r[3]) : isVisible(r));
  const rows = periods.flatMap((p) => p.rows.filter(agentRow));
  const byAgent = new Map<string, MetricsSum>();
  for (const r of rows) sumOf(byAgent, r[3]).add(r);
  const agents = [...byAgent].map(([agentId, s]) => {
    const m = s.toMetrics();
    return { agentId, handled: m.resolved, replies: m.outbound, availableSeconds: m.availableSec, awaySeconds: m.awaySec, figures: figuresOf(m) };
  });
  return {
    ...range,
    agents: agents.sort((a, b) => b.replies - a.replies || a.agentId.localeCompare(b.agentId)),
    total: figuresOf(sum(rows)),
    previous: { ...prev, total: figuresOf(sum(previous.flatMap((p) => p.rows.filter(agentRow)))) },
  };
}
