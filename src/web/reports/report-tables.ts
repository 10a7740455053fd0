import type { LiveSnapshot } from '../../core/reports/live-board.js';
import type { Figures } from '../../core/reports/report-figures.js';
import type { AgentReport, ChannelReport } from '../../core/reports/report-query.js';
import type { Cell } from './report-csv.js';

/**
 * The tables of the report screens as rows of cells, for CSV export. Columns and totals are those the
 * console shows (src/web/console/src/components/Reports.tsx): times in minutes with one decimal,
 * rates in percent, the totals row is the report's own total (not a sum of rounded cells).
 */
export type Lang = 'en' | 'pt' | 'es';
type Labels = { inboxes: Record<string, string>; departments: Record<string, string>; agents: Record<string, string> };

const words = {
  en: { period: 'Period', channel: 'Channel', inbox: 'Inbox', agent: 'Agent', total: 'Total', newTickets: 'New tickets', inbound: 'Inbound messages', outbound: 'Outbound messages', frtMedian: 'First response median (min)', frtP90: 'First response p90 (min)', resMedian: 'Resolution median (min)', resP90: 'Resolution p90 (min)', frtSla: 'First response SLA %', resSla: 'Resolution SLA %', reopen: 'Reopen rate %', csat: 'CSAT average', csatRate: 'CSAT response rate %', handled: 'Tickets handled', replies: 'Replies', status: 'Status', open: 'Open tickets', waiting: 'Waiting customers', longestWait: 'Longest wait (min)', available: 'Available (h)', away: 'Away (h)' },
  pt: { period: 'Período', channel: 'Canal', inbox: 'Caixa de entrada', agent: 'Agente', total: 'Total', newTickets: 'Tickets novos', inbound: 'Mensagens recebidas', outbound: 'Mensagens enviadas', frtMedian: 'Primeira resposta mediana (min)', frtP90: 'Primeira resposta p90 (min)', resMedian: 'Resolução mediana (min)', resP90: 'Resolução p90 (min)', frtSla: 'SLA primeira resposta %', resSla: 'SLA resolução %', reopen: 'Taxa de reabertura %', csat: 'CSAT média', csatRate: 'Taxa de resposta CSAT %', handled: 'Tickets atendidos', replies: 'Respostas', status: 'Status', open: 'Tickets abertos', waiting: 'Clientes aguardando', longestWait: 'Maior espera (min)', available: 'Disponível (h)', away: 'Ausente (h)' },
  es: { period: 'Período', channel: 'Canal', inbox: 'Bandeja', agent: 'Agente', total: 'Total', newTickets: 'Tickets nuevos', inbound: 'Mensajes recibidos', outbound: 'Mensajes enviados', frtMedian: 'Primera respuesta mediana (min)', frtP90: 'Primera respuesta p90 (min)', resMedian: 'Resolución mediana (min)', resP90: 'Resolución p90 (min)', frtSla: 'SLA primera respuesta %', resSla: 'SLA resolución %', reopen: 'Tasa de reapertura %', csat: 'CSAT promedio', csatRate: 'Tasa de respuesta CSAT %', handled: 'Tickets atendidos', replies: 'Respuestas', status: 'Estado', open: 'Tickets abiertos', waiting: 'Clientes esperando', longestWait: 'Mayor espera (min)', available: 'Disponible (h)', away: 'Ausente (h)' },
} as const;

export const minutes = (s: number | null) => (s === null ? null : Math.round(s / 6) / 10);
/** Hours with one decimal (agents' available / away time). */
export const hours = (s: number) => Math.round(s / 360) / 10;

function figureCells(f: Figures): Cell[] {
  return [f.newTickets, f.inbound, f.outbound, minutes(f.frtMedian), minutes(f.frtP90), minutes(f.resMedian), minutes(f.resP90), f.frtSlaPct, f.resSlaPct, f.reopenRatePct, f.csatAvg, f.csatResponsePct];
}

function figureHeader(lang: Lang): string[] {
  const w = words[lang];
  return [w.newTickets, w.inbound, w.outbound, w.frtMedian, w.frtP90, w.resMedian, w.resP90, w.frtSla, w.resSla, w.reopen, w.csat, w.csatRate];
}

export type ChannelTable = 'channels' | 'inboxes' | 'periods';

export function channelTable(r: ChannelReport, table: ChannelTable, labels: Labels, lang: Lang): { header: string[]; rows: Cell[][] } {
  const w = words[lang];
  const total = [w.total, ...(table === 'inboxes' ? [''] : []), ...figureCells(r.total)];
  if (table === 'channels') return { header: [w.channel, ...figureHeader(lang)], rows: [...r.byChannel.map((c) => [c.channel, ...figureCells(c.figures)]), total] };
  if (table === 'inboxes') {
    return {
      header: [w.inbox, w.channel, ...figureHeader(lang)],
      rows: [...r.byInbox.map((i) => [labels.inboxes[i.inboxId] ?? i.inboxId, i.channel, ...figureCells(i.figures)]), total],
    };
  }
  return { header: [w.period, ...figureHeader(lang)], rows: [...r.series.map((p) => [p.period, ...figureCells(p.total)]), total] };
}

export function agentTable(r: AgentReport, labels: Labels, lang: Lang): { header: string[]; rows: Cell[][] } {
  const w = words[lang];
  const cells = (handled: number, replies: number, f: Figures, available: number, away: number): Cell[] => [
    handled, replies, minutes(f.frtMedian), minutes(f.frtP90), minutes(f.resMedian), minutes(f.resP90), f.frtSlaPct, f.resSlaPct, f.csatAvg, hours(available), hours(away),
  ];
  const total = (k: 'availableSeconds' | 'awaySeconds') => r.agents.reduce((n, a) => n + a[k], 0);
  return {
    header: [w.agent, w.handled, w.replies, w.frtMedian, w.frtP90, w.resMedian, w.resP90, w.frtSla, w.resSla, w.csat, w.available, w.away],
    rows: [
      ...r.agents.map((a) => [labels.agents[a.agentId] ?? a.agentId, ...cells(a.handled, a.replies, a.figures, a.availableSeconds, a.awaySeconds)]),
      [w.total, ...cells(r.total.resolved, r.total.outbound, r.total, total('availableSeconds'), total('awaySeconds'))],
    ],
  };
}

export function liveTable(s: LiveSnapshot, lang: Lang): { header: string[]; rows: Cell[][] } {
  const w = words[lang];
  const rows: Cell[][] = [];
  for (const [channel, byStatus] of Object.entries(s.open).sort()) for (const [status, n] of Object.entries(byStatus).sort()) rows.push([channel, status, n]);
  rows.push([w.total, '', s.openTotal]);
  return { header: [w.channel, w.status, w.open], rows };
}
