import { describe, expect, it } from 'vitest';
import { factsFromHistory, type TicketHistory } from '../../../src/core/reports/facts-from-history.js';
import { addToHistogram, quantile } from '../../../src/core/reports/histogram.js';
import { bucketId } from '../../../src/core/reports/report-calendar.js';
import { storedFact, type StoredFact } from '../../../src/core/reports/report-facts.js';
import { figuresOf } from '../../../src/core/reports/report-figures.js';
import { addMetrics, emptyMetrics, metricsOf, type Metrics } from '../../../src/core/reports/rollup-metrics.js';
import { sumRows } from '../../../src/core/reports/rollup-store.js';
import { decodeDaysText, encodeDays } from '../../../src/core/reports/row-codec.js';
import { toCsv } from '../../../src/web/reports/report-csv.js';

let seed = 7;
const rand = () => {
  seed = (seed * 16807) % 2147483647;
  return seed / 2147483647;
};
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
const hex = (n: number) => n.toString(16).padStart(24, '0');
const TZ = 'America/Sao_Paulo';

/** A few hundred ticket histories over 60 days with transfers, assignments, replies, solves and reopens. */
function generate(n: number): TicketHistory[] {
  const out: TicketHistory[] = [];
  let ids = 1;
  for (let i = 0; i < n; i++) {
    const createdAt = new Date(Date.UTC(2026, 0, 1) + Math.floor(rand() * 60 * 86_400_000));
    const audit: TicketHistory['audit'] = [];
    const messages: TicketHistory['messages'] = [];
    let seq = 0;
    let t = createdAt.getTime();
    const log = (type: string, data: object = {}, ref?: string) => audit.push({ seq: ++seq, type, dataJson: JSON.stringify(data), at: new Date(t), ...(ref ? { ref } : {}) });
    log('ticket.created');
    const msg = (direction: 'inbound' | 'outbound', agent?: string) => {
      const id = hex(ids++);
      messages.push({ _id: id, direction, kind: 'message', author: agent ? { type: 'agent', userId: agent } : { type: 'contact' }, occurredAt: new Date(t) });
      log(direction === 'inbound' ? 'message.received' : 'message.sent', {}, `message:${id}`);
    };
    msg('inbound');
    let dept = pick(['d1', 'd2', null]);
    const firstDept = dept;
    let agent: string | null = null;
    let firstResponseAt: Date | undefined;
    for (let step = 0; step < 6; step++) {
      t += Math.floor(rand() * 20 * 3_600_000);
      const r = rand();
      if (r < 0.15) {
        const to = pick(['d1', 'd2']);
        log('ticket.transferred', { from: dept, to });
        dept = to;
      } else if (r < 0.35) {
        const to = pick(['a1', 'a2', 'a3']);
        log('ticket.assigned', { from: agent, to });
        agent = to;
      } else if (r < 0.6 && agent) {
        msg('outbound', agent);
        firstResponseAt ??= new Date(t);
      } else if (r < 0.75) msg('inbound');
      else if (r < 0.9) {
        log('ticket.status_changed', { from: 'open', to: 'solved' });
        if (rand() < 0.3) log('ticket.reopened', {});
      }
    }
    out.push({
      ticket: {
        _id: hex(1_000_000 + i),
        inboxId: pick(['i1', 'i2', 'i3']),
        channel: 'sms',
        ...(dept ? { departmentId: dept } : {}),
        ...(agent ? { assigneeId: agent } : {}),
        sla: rand() < 0.8 ? { firstResponseDueAt: new Date(createdAt.getTime() + 3_600_000 * 4), resolutionDueAt: new Date(createdAt.getTime() + 86_400_000) } : {},
        ...(firstResponseAt ? { firstResponseAt } : {}),
        createdAt,
      },
      messages,
      audit,
    });
    void firstDept;
  }
  return out;
}

/** The figures of all tickets counted straight from the histories (no facts, no buckets). */
function naive(histories: TicketHistory[]): Metrics {
  const m = emptyMetrics();
  for (const h of histories) {
    const c = h.ticket.createdAt.getTime();
    m.created++;
    for (const x of h.messages) {
      if (x.direction === 'inbound') m.inbound++;
      else m.outbound++;
    }
    if (h.ticket.firstResponseAt) {
      const s = Math.round((h.ticket.firstResponseAt.getTime() - c) / 1000);
      m.frtN++;
      m.frtSum += s;
      addToHistogram(m.frtHist, s);
      if (h.ticket.sla?.firstResponseDueAt) {
        m.frtSlaN++;
        m.frtSlaMet += h.ticket.firstResponseAt <= h.ticket.sla.firstResponseDueAt ? 1 : 0;
      }
    }
    for (const a of h.audit) {
      if (a.type === 'ticket.reopened') m.reopened++;
      if (a.type === 'ticket.status_changed') {
        const s = Math.round((a.at.getTime() - c) / 1000);
        m.resolved++;
        m.resSum += s;
        addToHistogram(m.resHist, s);
        if (h.ticket.sla?.resolutionDueAt) {
          m.resSlaN++;
          m.resSlaMet += a.at <= h.ticket.sla.resolutionDueAt ? 1 : 0;
        }
      }
    }
  }
  return m;
}

describe('rollups over a generated dataset', () => {
  const histories = generate(400);
  const facts = histories.flatMap((h) => factsFromHistory(h, TZ));

  it('every figure equals the from-scratch count, whatever the order and however often facts arrive', () => {
    for (let round = 0; round < 5; round++) {
      // Facts in random order, a third of them twice: buckets keyed by fact id, as the store keeps them.
      const stream = [...facts, ...facts.filter(() => rand() < 0.33)].sort(() => rand() - 0.5);
      const buckets = new Map<string, { dims: (typeof facts)[number]; facts: Map<string, StoredFact> }>();
      for (const f of stream) {
        const id = bucketId(f.day, f.inbox, f.dept, f.agent);
        const b = buckets.get(id) ?? { dims: f, facts: new Map() };
        b.facts.set(f.id, storedFact(f));
        buckets.set(id, b);
      }
      const byDay: Record<string, Record<string, ReturnType<typeof rowOf>>> = {};
      const rowOf = (b: { dims: (typeof facts)[number]; facts: Map<string, StoredFact> }) => ({ inbox: b.dims.inbox, channel: b.dims.channel, dept: b.dims.dept, agent: b.dims.agent, ...metricsOf(b.facts.values()) });
      for (const [id, b] of buckets) (byDay[b.dims.day] ??= {})[id] = rowOf(b);
      // Through the stored encoding, then summed as a report sums rows.
      const decoded = decodeDaysText(encodeDays(byDay));
      const metrics = emptyMetrics();
      for (const row of Object.values(sumRows(Object.values(decoded)))) addMetrics(metrics, row);
      expect(metrics).toEqual(naive(histories));
      expect(figuresOf(metrics)).toEqual(figuresOf(naive(histories)));
    }
  });

  it('fact ids are unique per thing counted and stable between two derivations', () => {
    expect(new Set(facts.map((f) => f.id)).size).toBe(facts.length);
    expect(histories.flatMap((h) => factsFromHistory(h, TZ))).toEqual(facts);
  });

  it('medians and p90 from the histogram are within one bucket of the exact value', () => {
    const durations = Array.from({ length: 500 }, () => Math.round(rand() * rand() * 200_000));
    const h = {};
    for (const d of durations) addToHistogram(h, d);
    const sorted = [...durations].sort((a, b) => a - b);
    for (const q of [0.5, 0.9]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      expect(Math.abs(quantile(h, q)! - exact)).toBeLessThanOrEqual(Math.max(30, exact * 0.26));
    }
  });
});

describe('CSV export', () => {
  it('starts with a BOM, keeps accents, quotes ; and quotes, leaves numbers unlocalised, defuses formulas', () => {
    const csv = toCsv(['Caixa de entrada', 'Tickets novos', 'Mediana (min)'], [
      ['São Paulo; Centro', 1234, 12.5],
      ['Diz "olá"', 0, null],
      ['=SUM(A1)', 3, 0.1],
      ['Total', 1237, 12.5],
    ]);
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(Buffer.from(csv, 'utf8').subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    expect(csv.slice(1).split('\r\n')).toEqual([
      'Caixa de entrada;Tickets novos;Mediana (min)',
      '"São Paulo; Centro";1234;12.5',
      '"Diz ""olá""";0;',
      "'=SUM(A1);3;0.1",
      'Total;1237;12.5',
      '',
    ]);
  });
});
