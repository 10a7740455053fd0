import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../api.ts';
import { getLang, t, type Key } from '../i18n.ts';
import { rt } from '../reports-i18n.ts';
import { useStore } from '../store.ts';
import { ReportChart } from './ReportChart.tsx';
export { useReportsRoute } from './reports-route.ts';
import type { AgentReportView, ChannelReportView, Figures, LiveSnapshot } from '../../../../core/reports/report-types.ts';

type ChannelReport = ChannelReportView;
type AgentReport = AgentReportView;

const channelColors: Record<string, string> = { email: '#4f46e5', whatsapp: '#16a34a', telegram: '#0284c7', sms: '#d97706', voice: '#9333ea', messenger: '#db2777', webchat: '#0d9488' };
const channelList = ['email', 'whatsapp', 'telegram', 'sms', 'voice', 'messenger', 'webchat'];

/** Same rounding as the CSV (src/web/reports/report-tables.ts): minutes with one decimal. */
const minutes = (s: number | null) => (s === null ? null : Math.round(s / 6) / 10);
const num = (v: number | null, suffix = '') => (v === null ? '—' : `${v.toLocaleString(getLang())}${suffix}`);
const chName = (c: string) => t(`ch_${c}` as Key);


interface Filters {
  from: string;
  to: string;
  granularity: 'day' | 'week' | 'month';
  channel: string;
  inboxId: string;
  departmentId: string;
  agentId: string;
}

/**
 * The date range starts empty so the server picks "the last 30 days" in the organisation's time
 * zone (ORG_TIMEZONE); the browser's own date can be a day off near midnight. The inputs then show
 * the range the server used.
 */
type FillRange = (from: string, to: string) => void;

function FilterBar({ f, set, tab }: { f: Filters; set: (f: Filters) => void; tab: string }) {
  const s = useStore();
  const field = <K extends keyof Filters>(k: K) => (e: Event) => set({ ...f, [k]: (e.currentTarget as HTMLInputElement).value });
  return (
    <div class="report-filters" data-testid="report-filters">
      <label>
        {rt('from')} <input type="date" name="from" value={f.from} onChange={field('from')} />
      </label>
      <label>
        {rt('to')} <input type="date" name="to" value={f.to} onChange={field('to')} />
      </label>
      {tab === 'channels' ? (
        <label>
          {rt('by')}{' '}
          <select name="granularity" value={f.granularity} onChange={field('granularity')}>
            <option value="day">{rt('day')}</option>
            <option value="week">{rt('week')}</option>
            <option value="month">{rt('month')}</option>
          </select>
        </label>
      ) : null}
      <select name="channel" value={f.channel} onChange={field('channel')} aria-label={rt('channel')}>
        <option value="">{rt('anyChannel')}</option>
        {channelList.map((c) => (
          <option value={c}>{chName(c)}</option>
        ))}
      </select>
      <select name="inboxId" value={f.inboxId} onChange={field('inboxId')} aria-label={rt('inbox')}>
        <option value="">{rt('anyInbox')}</option>
        {s.inboxes.map((i) => (
          <option value={i.id}>{i.name}</option>
        ))}
      </select>
      <select name="departmentId" value={f.departmentId} onChange={field('departmentId')} aria-label={t('department')}>
        <option value="">{rt('anyDepartment')}</option>
        {s.departments
          .filter((d) => s.me?.role === 'admin' || !s.me?.departmentIds.length || s.me.departmentIds.includes(d.id))
          .map((d) => (
            <option value={d.id}>{d.name}</option>
          ))}
      </select>
      {s.me?.role !== 'agent' ? (
        <select name="agentId" value={f.agentId} onChange={field('agentId')} aria-label={rt('agent')}>
          <option value="">{rt('anyAgent')}</option>
          {s.users.map((u) => (
            <option value={u.id}>{u.name}</option>
          ))}
        </select>
      ) : null}
    </div>
  );
}

const figureColumns: Array<[string, (f: Figures) => string]> = [
  ['newTickets', (f) => num(f.newTickets)],
  ['inbound', (f) => num(f.inbound)],
  ['outbound', (f) => num(f.outbound)],
  ['frtMedian', (f) => num(minutes(f.frtMedian))],
  ['frtP90', (f) => num(minutes(f.frtP90))],
  ['resMedian', (f) => num(minutes(f.resMedian))],
  ['resP90', (f) => num(minutes(f.resP90))],
  ['frtSla', (f) => num(f.frtSlaPct, ' %')],
  ['resSla', (f) => num(f.resSlaPct, ' %')],
  ['reopenRate', (f) => num(f.reopenRatePct, ' %')],
  ['csat', (f) => num(f.csatAvg)],
  ['csatRate', (f) => num(f.csatResponsePct, ' %')],
];

function FigureTable({ title, first, rows, total, csv, testId }: { title: string; first: string[]; rows: Array<{ names: string[]; f: Figures }>; total: Figures; csv: string; testId: string }) {
  return (
    <section class="report-card" data-testid={testId}>
      <header>
        <h3>{title}</h3>
        <a class="btn small" href={csv} download data-testid={`${testId}-csv`}>
          ⬇ {rt('downloadCsv')}
        </a>
      </header>
      <div class="report-table-wrap">
        <table class="report-table">
          <thead>
            <tr>
              {first.map((h) => (
                <th>{h}</th>
              ))}
              {figureColumns.map(([k]) => (
                <th class="num">{rt(k as Parameters<typeof rt>[0])}{k.startsWith('frt') && !k.endsWith('Sla') || k.startsWith('res') && !k.endsWith('Sla') ? ` (${rt('minutes')})` : ''}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr>
                {r.names.map((n) => (
                  <td>{n}</td>
                ))}
                {figureColumns.map(([, fmt]) => (
                  <td class="num">{fmt(r.f)}</td>
                ))}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr data-testid="totals">
              <th>{rt('total')}</th>
              {first.slice(1).map(() => (
                <th />
              ))}
              {figureColumns.map(([, fmt]) => (
                <th class="num">{fmt(total)}</th>
              ))}
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}

function Kpi({ label, value, previous, testId }: { label: string; value: string; previous?: string; testId: string }) {
  return (
    <div class="kpi" data-testid={testId}>
      <span class="kpi-label">{label}</span>
      <strong class="kpi-value">{value}</strong>
      {previous !== undefined ? <span class="kpi-prev">{rt('previous', { value: previous })}</span> : null}
    </div>
  );
}

function ChannelReportView({ f, fillRange }: { f: Filters; fillRange: FillRange }) {
  const [r, setR] = useState<ChannelReport | null>(null);
  const query = qs({ from: f.from, to: f.to, granularity: f.granularity, channel: f.channel, inboxId: f.inboxId, departmentId: f.departmentId, agentId: f.agentId });
  useEffect(() => {
    setR(null);
    let current = true;
    void api.get<ChannelReport>(`/reports/channels${query}`).then((report) => {
      if (!current) return;
      setR(report);
      if (!f.from || !f.to) fillRange(report.from, report.to);
    });
    return () => {
      current = false;
    };
  }, [query]);
  if (!r) return <p class="muted">{rt('loading')}</p>;
  const csv = (table: string) => `/api/reports/channels.csv${query}&table=${table}&lang=${getLang()}`;
  const periods = r.series.map((p) => p.period);
  const channels = [...new Set(r.series.flatMap((p) => Object.keys(p.byChannel)))].sort();
  const prev = r.previous.total;
  return (
    <div class="report-body" data-testid="channel-report">
      <div class="kpis">
        <Kpi testId="kpi-new" label={rt('newTickets')} value={num(r.total.newTickets)} previous={num(prev.newTickets)} />
        <Kpi testId="kpi-inbound" label={rt('inbound')} value={num(r.total.inbound)} previous={num(prev.inbound)} />
        <Kpi testId="kpi-outbound" label={rt('outbound')} value={num(r.total.outbound)} previous={num(prev.outbound)} />
        <Kpi testId="kpi-frt" label={`${rt('frtMedian')} (${rt('minutes')})`} value={num(minutes(r.total.frtMedian))} previous={num(minutes(prev.frtMedian))} />
        <Kpi testId="kpi-res" label={`${rt('resMedian')} (${rt('minutes')})`} value={num(minutes(r.total.resMedian))} previous={num(minutes(prev.resMedian))} />
        <Kpi testId="kpi-frt-sla" label={rt('frtSla')} value={num(r.total.frtSlaPct, ' %')} previous={num(prev.frtSlaPct, ' %')} />
        <Kpi testId="kpi-res-sla" label={rt('resSla')} value={num(r.total.resSlaPct, ' %')} previous={num(prev.resSlaPct, ' %')} />
        <Kpi testId="kpi-reopen" label={rt('reopenRate')} value={num(r.total.reopenRatePct, ' %')} previous={num(prev.reopenRatePct, ' %')} />
        <Kpi testId="kpi-csat" label={rt('csat')} value={num(r.total.csatAvg)} previous={num(prev.csatAvg)} />
        <Kpi testId="kpi-csat-rate" label={rt('csatRate')} value={num(r.total.csatResponsePct, ' %')} previous={num(prev.csatResponsePct, ' %')} />
        <Kpi
          testId="kpi-backlog"
          label={rt('backlogNow')}
          value={num(Object.values(r.backlog.now).reduce((a, b) => a + b, 0))}
          previous={undefined}
        />
      </div>
      <div class="charts">
        <ReportChart
          testId="chart-new"
          title={rt('newTicketsChart')}
          x={periods}
          series={channels.map((c) => ({ label: chName(c), color: channelColors[c] ?? '#64748b', values: r.series.map((p) => p.byChannel[c]?.newTickets ?? 0) }))}
        />
        <ReportChart
          testId="chart-backlog"
          title={rt('backlogChart')}
          x={r.backlog.trend.map((p) => p.period)}
          series={[{ label: rt('openTickets'), color: '#dc2626', values: r.backlog.trend.map((p) => p.open) }]}
        />
      </div>
      <FigureTable
        testId="table-channels"
        title={rt('byChannel')}
        first={[rt('channel')]}
        rows={r.byChannel.map((c) => ({ names: [chName(c.channel)], f: c.figures }))}
        total={r.total}
        csv={csv('channels')}
      />
      <FigureTable
        testId="table-inboxes"
        title={rt('byInbox')}
        first={[rt('inbox'), rt('channel')]}
        rows={r.byInbox.map((i) => ({ names: [r.labels.inboxes[i.inboxId] ?? i.inboxId, chName(i.channel)], f: i.figures }))}
        total={r.total}
        csv={csv('inboxes')}
      />
      <FigureTable
        testId="table-periods"
        title={rt('byPeriod')}
        first={[rt('period')]}
        rows={r.series.map((p) => ({ names: [p.period], f: p.total }))}
        total={r.total}
        csv={csv('periods')}
      />
      <p class="muted small">
        {rt('timesNote')} {rt('csatNote')}
      </p>
    </div>
  );
}

const sumOf = <K extends string>(xs: Array<Record<K, number>>, k: K) => xs.reduce((a, x) => a + x[k], 0);

function AgentReportView({ f, fillRange }: { f: Filters; fillRange: FillRange }) {
  const s = useStore();
  const [r, setR] = useState<AgentReport | null>(null);
  const query = qs({ from: f.from, to: f.to, channel: f.channel, inboxId: f.inboxId, departmentId: f.departmentId, agentId: f.agentId });
  useEffect(() => {
    setR(null);
    let current = true;
    void api.get<AgentReport>(`/reports/agents${query}`).then((report) => {
      if (!current) return;
      setR(report);
      if (!f.from || !f.to) fillRange(report.from, report.to);
    });
    return () => {
      current = false;
    };
  }, [query]);
  if (!r) return <p class="muted">{rt('loading')}</p>;
  const hours = (sec: number | undefined) => num(sec === undefined ? null : Math.round(sec / 360) / 10);
  const cols: Array<[string, (a: { handled: number; replies: number; f: Figures; available?: number; away?: number }) => string]> = [
    [rt('handled'), (a) => num(a.handled)],
    [rt('replies'), (a) => num(a.replies)],
    [`${rt('frtMedian')} (${rt('minutes')})`, (a) => num(minutes(a.f.frtMedian))],
    [`${rt('frtP90')} (${rt('minutes')})`, (a) => num(minutes(a.f.frtP90))],
    [`${rt('resMedian')} (${rt('minutes')})`, (a) => num(minutes(a.f.resMedian))],
    [`${rt('resP90')} (${rt('minutes')})`, (a) => num(minutes(a.f.resP90))],
    [rt('frtSla'), (a) => num(a.f.frtSlaPct, ' %')],
    [rt('resSla'), (a) => num(a.f.resSlaPct, ' %')],
    [rt('csat'), (a) => num(a.f.csatAvg)],
    [`${rt('available')} (${rt('hours')})`, (a) => hours(a.available)],
    [`${rt('away')} (${rt('hours')})`, (a) => hours(a.away)],
  ];
  return (
    <div class="report-body" data-testid="agent-report">
      {s.me?.role === 'agent' ? <p class="muted">{rt('ownNumbers')}</p> : null}
      <div class="charts">
        <ReportChart
          testId="chart-agents"
          bars
          title={`${rt('replies')} / ${rt('handled')}`}
          x={r.agents.map((a) => r.labels.agents[a.agentId] ?? a.agentId)}
          series={[
            { label: rt('replies'), color: '#4f46e5', values: r.agents.map((a) => a.replies) },
            { label: rt('handled'), color: '#16a34a', values: r.agents.map((a) => a.handled) },
          ]}
        />
      </div>
      <section class="report-card" data-testid="table-agents">
        <header>
          <h3>{rt('agentReport')}</h3>
          <a class="btn small" href={`/api/reports/agents.csv${query || '?'}&lang=${getLang()}`} download data-testid="table-agents-csv">
            ⬇ {rt('downloadCsv')}
          </a>
        </header>
        <div class="report-table-wrap">
          <table class="report-table">
            <thead>
              <tr>
                <th>{rt('agent')}</th>
                {cols.map(([h]) => (
                  <th class="num">{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {r.agents.map((a) => (
                <tr>
                  <td>{r.labels.agents[a.agentId] ?? a.agentId}</td>
                  {cols.map(([, fmt]) => (
                    <td class="num">{fmt({ handled: a.handled, replies: a.replies, f: a.figures, available: a.availableSeconds, away: a.awaySeconds })}</td>
                  ))}
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr data-testid="totals">
                <th>{rt('total')}</th>
                {cols.map(([, fmt]) => (
                  <th class="num">{fmt({ handled: r.total.resolved, replies: r.total.outbound, f: r.total, available: sumOf(r.agents, 'availableSeconds'), away: sumOf(r.agents, 'awaySeconds') })}</th>
                ))}
              </tr>
            </tfoot>
          </table>
        </div>
      </section>
      <p class="muted small">
        {rt('timesNote')} {rt('presenceNote')}
      </p>
    </div>
  );
}

/** The latest `report.live` push (whole scope): kept from the start so the live tab has agents online at once. */
let lastPush: LiveSnapshot | null = null;
window.addEventListener('ponte:report-live', (e) => {
  lastPush = (e as CustomEvent<LiveSnapshot>).detail;
});

function LiveView({ f }: { f: Filters }) {
  const [snap, setSnap] = useState<LiveSnapshot | null>(null);
  const [push, setPush] = useState<LiveSnapshot | null>(lastPush);
  const query = qs({ channel: f.channel, inboxId: f.inboxId, departmentId: f.departmentId, agentId: f.agentId });
  useEffect(() => {
    void api.get<LiveSnapshot>(`/reports/live${query}`).then(setSnap);
    // Pushed over the socket for the whole scope: replaces the numbers when no filter is set; agents online always.
    const on = (e: Event) => {
      const pushed = (e as CustomEvent<LiveSnapshot>).detail;
      setPush(pushed);
      if (!query) setSnap(pushed);
      else void api.get<LiveSnapshot>(`/reports/live${query}`).then(setSnap);
    };
    window.addEventListener('ponte:report-live', on);
    return () => window.removeEventListener('ponte:report-live', on);
  }, [query]);
  if (!snap) return <p class="muted">{rt('loading')}</p>;
  const people = push ?? snap;
  const statuses = ['new', 'open', 'pending', 'on-hold'];
  const wait = snap.longestWaitSeconds === null ? '—' : snap.longestWaitSeconds < 3600 ? `${Math.round(snap.longestWaitSeconds / 60)} min` : `${(snap.longestWaitSeconds / 3600).toFixed(1)} h`;
  return (
    <div class="report-body" data-testid="live-report">
      <div class="kpis">
        <Kpi testId="live-open" label={rt('openTickets')} value={num(snap.openTotal)} />
        <Kpi testId="live-waiting" label={rt('waiting')} value={num(snap.waiting)} />
        <Kpi testId="live-longest" label={rt('longestWait')} value={wait} />
        <Kpi testId="live-agents" label={rt('agentsOnline')} value={people.agentsOnline === undefined ? '—' : `${people.agentsOnline} · ${people.agentsAway ?? 0} ${rt('agentsAway')}`} />
      </div>
      <section class="report-card" data-testid="table-live">
        <header>
          <h3>{rt('openTickets')}</h3>
          <span class="muted small">{rt('updated', { time: new Date(snap.at).toLocaleTimeString(getLang()) })}</span>
          <a class="btn small" href={`/api/reports/live.csv${query || '?'}&lang=${getLang()}`} download>
            ⬇ {rt('downloadCsv')}
          </a>
        </header>
        <table class="report-table">
          <thead>
            <tr>
              <th>{rt('channel')}</th>
              {statuses.map((st) => (
                <th class="num">{t(`st_${st}` as Key)}</th>
              ))}
              <th class="num">{rt('total')}</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(snap.open)
              .sort()
              .map(([ch, by]) => (
                <tr>
                  <td>{chName(ch)}</td>
                  {statuses.map((st) => (
                    <td class="num">{num(by[st] ?? 0)}</td>
                  ))}
                  <td class="num">{num(Object.values(by).reduce((a, b) => a + b, 0))}</td>
                </tr>
              ))}
          </tbody>
          <tfoot>
            <tr data-testid="totals">
              <th>{rt('total')}</th>
              {statuses.map((st) => (
                <th class="num">{num(Object.values(snap.open).reduce((a, by) => a + (by[st] ?? 0), 0))}</th>
              ))}
              <th class="num">{num(snap.openTotal)}</th>
            </tr>
          </tfoot>
        </table>
      </section>
    </div>
  );
}

/** The reports area: channel report, agents, live now; filters shared between the tabs. */
export function Reports({ tab }: { tab: string }) {
  const [f, setF] = useState<Filters>({ from: '', to: '', granularity: 'day', channel: '', inboxId: '', departmentId: '', agentId: '' });
  const fillRange: FillRange = (from, to) => setF((prev) => ({ ...prev, from: prev.from || from, to: prev.to || to }));
  const tabs: Array<[string, string]> = [
    ['channels', rt('channelReport')],
    ['agents', rt('agentReport')],
    ['live', rt('liveNow')],
  ];
  return (
    <div class="reports" data-testid="reports">
      <nav class="report-tabs">
        <a class="btn ghost small" href="#/">
          ← {rt('backToInbox')}
        </a>
        {tabs.map(([id, label]) => (
          <a class={`report-tab ${tab === id ? 'active' : ''}`} href={`#/reports/${id}`} data-testid={`tab-${id}`}>
            {label}
          </a>
        ))}
      </nav>
      <FilterBar f={f} set={setF} tab={tab} />
      {tab === 'agents' ? (
        <AgentReportView f={f} fillRange={fillRange} />
      ) : tab === 'live' ? (
        <LiveView f={f} />
      ) : (
        <ChannelReportView f={f} fillRange={fillRange} />
      )}
    </div>
  );
}
