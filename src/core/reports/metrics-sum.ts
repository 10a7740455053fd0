import { HISTOGRAM_BUCKETS, type Histogram } from './histogram.js';
import type { Metrics } from './rollup-metrics.js';
import type { Packed } from './row-codec.js';

/** Positions of the counters in a packed row (`row-codec.ts`): created … reopened. */
const FIRST_COUNTER = 4;
const COUNTERS = 12;
const FRT_HIST = 16;
const RES_HIST = 17;
/** csatRequested, csatRated, csatSum, availableSec, awaySec, closedUnsolved: absent from rows packed before they existed. */
const FIRST_LATER = 18;
const LATER = 6;

/**
 * A running sum of packed rollup rows with dense histograms. Reports add a year's rows (~5,000, each to
 * five totals) straight from the decoded JSON arrays: building a row object and two histogram objects
 * per row made the garbage collector the largest cost of a report.
 */
export class MetricsSum {
  private readonly counters = new Float64Array(COUNTERS);
  private readonly later = new Float64Array(LATER);
  private readonly frt = new Float64Array(HISTOGRAM_BUCKETS);
  private readonly res = new Float64Array(HISTOGRAM_BUCKETS);

  add(row: Packed): void {
    for (let i = 0; i < COUNTERS; i++) this.counters[i]! += row[FIRST_COUNTER + i] as number;
    addPairs(this.frt, row[FRT_HIST] as number[]);
    addPairs(this.res, row[RES_HIST] as number[]);
    for (let i = 0; i < LATER; i++) this.later[i]! += (row[FIRST_LATER + i] as number | undefined) ?? 0;
  }

  toMetrics(): Metrics {
    const [created, inbound, outbound, frtN, frtSum, frtSlaN, frtSlaMet, resolved, resSum, resSlaN, resSlaMet, reopened] = [...this.counters] as [
      number, number, number, number, number, number, number, number, number, number, number, number,
    ];
    const [csatRequested, csatRated, csatSum, availableSec, awaySec, closedUnsolved] = [...this.later] as [number, number, number, number, number, number];
    return {
      created, inbound, outbound, frtN, frtSum, frtHist: sparse(this.frt), frtSlaN, frtSlaMet, resolved, resSum, resHist: sparse(this.res), resSlaN, resSlaMet, reopened,
      csatRequested, csatRated, csatSum, availableSec, awaySec, closedUnsolved,
    };
  }
}

function addPairs(into: Float64Array, pairs: number[]): void {
  for (let i = 0; i < pairs.length; i += 2) into[pairs[i]!]! += pairs[i + 1]!;
}

function sparse(dense: Float64Array): Histogram {
  const h: Histogram = {};
  for (let i = 0; i < dense.length; i++) if (dense[i]! > 0) h[String(i)] = dense[i]!;
  return h;
}
