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
  return into;
}

/** One row of a day or month document: a (inbox, department, agent) combination and its metrics. */
export interface RollupRow extends Metrics {
  inbox: string;
  channel: string;
  dept: string;
  agent: string;
}
