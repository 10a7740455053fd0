/**
 * Fixed log-spaced histogram of durations (seconds), so medians and p90 come from summing
 * histograms of rollups instead of scanning raw times. Bucket 0 holds [0, 30 s); bucket i ≥ 1 holds
 * [30·1.25^(i-1), 30·1.25^i) s; the last bucket is open-ended (about 50 days and more). The estimate
 * of a quantile is off by at most one bucket's width (±12.5 %). Stored sparse: `{ "<index>": count }`
 * (string keys: BSON documents have string keys anyway).
 */
export type Histogram = Record<string, number>;

const FIRST = 30;
const FACTOR = 1.25;
export const HISTOGRAM_BUCKETS = 45;

export function bucketOf(seconds: number): number {
  if (!(seconds >= FIRST)) return 0;
  const i = Math.floor(Math.log(seconds / FIRST) / Math.log(FACTOR)) + 1;
  return Math.min(i, HISTOGRAM_BUCKETS - 1);
}

/** Lower bound (seconds) of a bucket. */
export function lowerBound(i: number): number {
  return i === 0 ? 0 : FIRST * FACTOR ** (i - 1);
}

export function addToHistogram(h: Histogram, seconds: number, count = 1): void {
  const k = String(bucketOf(seconds));
  h[k] = (h[k] ?? 0) + count;
}

export function mergeHistogram(into: Histogram, from: Histogram | undefined): void {
  if (!from) return;
  // for…in, not Object.entries: a year's report merges ~25,000 histograms and the arrays were its main cost.
  for (const k in from) into[k] = (into[k] ?? 0) + from[k]!;
}

/**
 * The q-quantile (0 < q < 1), interpolated linearly inside the bucket that holds the rank; null for an
 * empty histogram. The last bucket has no upper bound: its lower bound is returned.
 */
export function quantile(h: Histogram, q: number): number | null {
  const entries = Object.entries(h)
    .map(([k, n]) => [Number(k), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const [i, n] of entries) {
    if (seen + n >= rank) {
      if (i === HISTOGRAM_BUCKETS - 1) return Math.round(lowerBound(i));
      const lo = lowerBound(i);
      const hi = lowerBound(i + 1);
      return Math.round(lo + ((rank - seen) / n) * (hi - lo));
    }
    seen += n;
  }
  return Math.round(lowerBound(entries.at(-1)![0]));
}
