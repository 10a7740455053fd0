import type { Histogram } from './histogram.js';
import type { RollupRow } from './rollup-metrics.js';

/**
 * Rollup rows as compact JSON text: each row an array of its dimensions, counts and sparse histograms
 * (`[bucket, count, bucket, count, …]`), about a third of the size of named fields. Stored as one string
 * field because FerretDB 1.24 decodes documents field by field (~30 µs a field).
 */
export type Packed = [string, string, string, string, ...Array<number | number[]>];

const packHist = (h: Histogram) => Object.entries(h).flatMap(([k, n]) => [Number(k), n]);
const unpackHist = (a: number[]) => {
  const h: Histogram = {};
  for (let i = 0; i < a.length; i += 2) h[String(a[i])] = a[i + 1]!;
  return h;
};

export function packRows(rows: Record<string, RollupRow>): Packed[] {
  return Object.values(rows).map((r) => [
    r.inbox, r.channel, r.dept, r.agent,
    r.created, r.inbound, r.outbound, r.frtN, r.frtSum, r.frtSlaN, r.frtSlaMet,
    r.resolved, r.resSum, r.resSlaN, r.resSlaMet, r.reopened, packHist(r.frtHist), packHist(r.resHist),
    r.csatRequested, r.csatRated, r.csatSum, r.availableSec, r.awaySec, r.closedUnsolved,
  ]);
}

export function unpackRows(packed: Packed[]): Record<string, RollupRow> {
  const out: Record<string, RollupRow> = {};
  for (const p of packed) {
    const [inbox, channel, dept, agent, created, inbound, outbound, frtN, frtSum, frtSlaN, frtSlaMet, resolved, resSum, resSlaN, resSlaMet, reopened, frtHist, resHist, ...later] = p as [
      string, string, string, string, number, number, number, number, number, number, number, number, number, number, number, number, number[], number[], ...number[],
    ];
    // Rows packed before CSAT and availability were counted end at resHist; before closedUnsolved, at awaySec.
    const [csatRequested = 0, csatRated = 0, csatSum = 0, availableSec = 0, awaySec = 0, closedUnsolved = 0] = later;
    out[`${inbox}|${dept}|${agent}`] = {
      inbox, channel, dept, agent, created, inbound, outbound, frtN, frtSum, frtSlaN, frtSlaMet, resolved, resSum, resSlaN, resSlaMet, reopened,
      frtHist: unpackHist(frtHist), resHist: unpackHist(resHist), csatRequested, csatRated, csatSum, availableSec, awaySec, closedUnsolved,
    };
  }
  return out;
}

/**
 * The dimension strings (24-character ids, repeated on every row) are listed once per document and rows
 * name them by index: about half the text. `{ "ids": [...], "rows": [...] }` or `{ "ids", "days" }`.
 */
function intern(packedSets: Packed[][]): string[] {
  const ids = new Map<string, number>();
  for (const set of packedSets) {
    for (const p of set) {
      for (let i = 0; i < 4; i++) {
        const v = p[i] as string;
        let n = ids.get(v);
        if (n === undefined) ids.set(v, (n = ids.size));
        p[i] = n as unknown as string;
      }
    }
  }
  return [...ids.keys()];
}

function restore(ids: string[], set: Packed[]): Packed[] {
  for (const p of set) for (let i = 0; i < 4; i++) p[i] = ids[p[i] as unknown as number]!;
  return set;
}

export function encodeRows(rows: Record<string, RollupRow>): string {
  const packed = packRows(rows);
  const ids = intern([packed]);
  return JSON.stringify({ ids, rows: packed });
}

export function decodeRowsText(text: string): Record<string, RollupRow> {
  const doc = JSON.parse(text) as { ids: string[]; rows: Packed[] };
  return unpackRows(restore(doc.ids, doc.rows));
}

export function encodeDays(byDay: Record<string, Record<string, RollupRow>>): string {
  const days = Object.fromEntries(Object.entries(byDay).map(([d, rows]) => [d, packRows(rows)]));
  const ids = intern(Object.values(days));
  return JSON.stringify({ ids, days });
}

export function decodeDaysText(text: string): Record<string, Record<string, RollupRow>> {
  const doc = JSON.parse(text) as { ids: string[]; days: Record<string, Packed[]> };
  return Object.fromEntries(Object.entries(doc.days).map(([d, p]) => [d, unpackRows(restore(doc.ids, p))]));
}

/** The rows of a month document as packed arrays with their ids restored: what reports sum (`metrics-sum.ts`). */
export function decodePackedRows(text: string): Packed[] {
  const doc = JSON.parse(text) as { ids: string[]; rows: Packed[] };
  return restore(doc.ids, doc.rows);
}

export function decodePackedDays(text: string): Record<string, Packed[]> {
  const doc = JSON.parse(text) as { ids: string[]; days: Record<string, Packed[]> };
  for (const set of Object.values(doc.days)) restore(doc.ids, set);
  return doc.days;
}

/** Rows under keys of the caller's choosing (a bucket's slots), where `encodeRows` keys rows by their dimensions. */
export function encodeKeyedRows(rows: Record<string, RollupRow>): string {
  return encodeDays(Object.fromEntries(Object.entries(rows).map(([key, row]) => [key, { row }])));
}

export function decodeKeyedRowsText(text: string): Record<string, RollupRow> {
  return Object.fromEntries(Object.entries(decodeDaysText(text)).flatMap(([key, rows]) => Object.values(rows).map((row) => [key, row] as const)));
}
