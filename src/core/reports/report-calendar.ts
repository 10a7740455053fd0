/**
 * Calendar arithmetic on `YYYY-MM-DD` day keys (already in the org time zone, so plain UTC date maths
 * is exact here) and the ids of rollup documents.
 */
const DAY_MS = 86_400_000;

const toMs = (day: string) => Date.parse(`${day}T00:00:00Z`);
const fromMs = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export const addDays = (day: string, n: number) => fromMs(toMs(day) + n * DAY_MS);
export const dayCount = (from: string, to: string) => Math.round((toMs(to) - toMs(from)) / DAY_MS) + 1;
export const monthOf = (day: string) => day.slice(0, 7);

export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** ISO week: the Monday that starts the week of `day`. */
export function weekStart(day: string): string {
  const dow = (new Date(toMs(day)).getUTCDay() + 6) % 7;
  return addDays(day, -dow);
}

export function monthFirstDay(month: string): string {
  return `${month}-01`;
}

export function monthLastDay(month: string): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return fromMs(Date.UTC(y, m, 0));
}

export type Granularity = 'day' | 'week' | 'month';

export function periodOf(day: string, g: Granularity): string {
  return g === 'day' ? day : g === 'week' ? weekStart(day) : monthOf(day);
}

/** The range of the same length just before `from`..`to` (comparison with the previous period). */
export function previousRange(from: string, to: string): { from: string; to: string } {
  const n = dayCount(from, to);
  return { from: addDays(from, -n), to: addDays(from, -1) };
}

/** Rollup document ids: one per bucket (day × inbox × department × agent), per day, per month. */
export const rowKey = (inbox: string, dept: string, agent: string) => `${inbox}|${dept}|${agent}`;
export const bucketId = (day: string, inbox: string, dept: string, agent: string) => `${day}|${rowKey(inbox, dept, agent)}`;
