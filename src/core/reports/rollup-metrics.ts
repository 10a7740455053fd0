import { addToHistogram, mergeHistogram, type Histogram } from './histogram.js';
import type { StoredFact } from './report-facts.js';

/** Everything a report shows of one rollup row, as sums, counts and histograms (summable across rows). */
export interface Metrics {
  created: number;
  inbound: number;
  outbound: number;
  frtN: number;
  frtSum: number;
  frtHist: Histogram;
  frtSlaN: number;
  frtSlaMet: number;
  resolved: number;
  resSum: number;
  resHist: Histogram;
  resSlaN: number;
  resSlaMet: number;
  reopened: number;
  /** Open tickets closed without a solve (closed or merged): they leave the backlog too. */
  closedUnsolved: number;
  csatRequested: number;
  csatRated: number;
  csatSum: number;
  availableSec: number;
  awaySec: number;
}

export const emptyMetrics = (): Metrics => ({
  created: 0,
  inbound: 0,
  outbound: 0,
  frtN: 0,
  frtSum: 0,
  frtHist: {},
  frtSlaN: 0,
  frtSlaMet: 0,
  resolved: 0,
  resSum: 0,
  resHist: {},
  resSlaN: 0,
  resSlaMet: 0,
  reopened: 0,
  closedUnsolved: 0,
  csatRequested: 0,
  csatRated: 0,
  csatSum: 0,
  availableSec: 0,
  awaySec: 0,
});

/** Metrics of a bucket, recomputed from its whole fact set: the result depends on the set only. */
export function metricsOf(facts: Iterable<StoredFact>): Metrics {
  const m = emptyMetrics();
  for (const f of facts) {
    switch (f.k) {
      case 'created':
        m.created++;
        break;
      case 'in':
        m.inbound++;
        break;
      case 'out':
        m.outbound++;
        break;
      case 'reopened':
        m.reopened++;
        break;
      case 'closedUnsolved':
        m.closedUnsolved++;
        break;
      case 'csatReq':
        m.csatRequested++;
        break;
      case 'csat':
        m.csatRated++;
        m.csatSum += f.r ?? 0;
        break;
      case 'available':
        m.availableSec += f.s ?? 0;
        break;
      case 'away':
        m.awaySec += f.s ?? 0;
        break;
      case 'frt':
        m.frtN++;
        m.frtSum += f.s ?? 0;
        addToHistogram(m.frtHist, f.s ?? 0);
        if (f.m !== undefined) {
          m.frtSlaN++;
          m.frtSlaMet += f.m;
        }
        break;
      case 'resolved':
        m.resolved++;
        m.resSum += f.s ?? 0;
        addToHistogram(m.resHist, f.s ?? 0);
        if (f.m !== undefined) {
          m.resSlaN++;
          m.resSlaMet += f.m;
        }
        break;
    }
  }
  return m;
}

export function addMetrics(into: Metrics, from: Metrics): Metrics {
  into.created += from.created;
  into.inbound += from.inbound;
  into.outbound += from.outbound;
  into.frtN += from.frtN;
  into.frtSum += from.frtSum;
  mergeHistogram(into.frtHist, from.frtHist);
  into.frtSlaN += from.frtSlaN;
  into.frtSlaMet += from.frtSlaMet;
  into.resolved += from.resolved;
  into.resSum += from.resSum;
  mergeHistogram(into.resHist, from.resHist);
  into.resSlaN += from.resSlaN;
  into.resSlaMet += from.resSlaMet;
  into.reopened += from.reopened;
  // Rows written before CSAT and availability were counted lack these fields.
  into.csatRequested += from.csatRequested ?? 0;
  into.csatRated += from.csatRated ?? 0;
  into.csatSum += from.csatSum ?? 0;
  into.availableSec += from.availableSec ?? 0;
  into.awaySec += from.awaySec ?? 0;
  into.closedUnsolved += from.closedUnsolved ?? 0;
  return into;
}

/** One row of a day or month document: a (inbox, department, agent) combination and its metrics. */
export interface RollupRow extends Metrics {
  inbox: string;
  channel: string;
  dept: string;
  agent: string;
}
