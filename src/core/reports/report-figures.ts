import { quantile } from './histogram.js';
import type { Metrics } from './rollup-metrics.js';
import type { Figures } from './report-types.js';

export type { Figures };

const pct = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 1000) / 10 : null);

export function figuresOf(m: Metrics): Figures {
  return {
    newTickets: m.created,
    inbound: m.inbound,
    outbound: m.outbound,
    resolved: m.resolved,
    reopened: m.reopened,
    firstResponses: m.frtN,
    frtMedian: quantile(m.frtHist, 0.5),
    frtP90: quantile(m.frtHist, 0.9),
    resMedian: quantile(m.resHist, 0.5),
    resP90: quantile(m.resHist, 0.9),
    frtSlaPct: pct(m.frtSlaMet, m.frtSlaN),
    resSlaPct: pct(m.resSlaMet, m.resSlaN),
    reopenRatePct: pct(m.reopened, m.resolved),
    csatAvg: m.csatRated > 0 ? Math.round((m.csatSum / m.csatRated) * 10) / 10 : null,
    csatResponsePct: pct(m.csatRated, m.csatRequested),
    csatRated: m.csatRated,
  };
}
