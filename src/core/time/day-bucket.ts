// Building an Intl.DateTimeFormat costs far more than using one: one per time zone, kept.
const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * Every UTC offset in use since 1972 (and every change between them) is a whole number of quarter hours, so
 * a local day never starts inside one: the answer for a quarter hour is the answer for each of its moments.
 * Remembered because `formatToParts` costs ~10 µs and the ingest asks several times per message (about 0.6%
 * of the hub's CPU under `bench:realtime`); bounded, since old moments (a report rebuild) come in any order.
 */
const QUARTER_HOUR_MS = 900_000;
const remembered = new Map<string, string>();
const REMEMBER_AT_MOST = 2_000;

/** `YYYY-MM-DD` of a moment in the organisation's time zone; stored on write for reports. */
export function dayBucket(at: Date, timeZone: string): string {
  const t = at.getTime();
  if (!Number.isFinite(t)) return computeDay(at, timeZone); // an invalid date formats as the error it raises
  const key = `${timeZone}|${Math.floor(t / QUARTER_HOUR_MS)}`;
  const known = remembered.get(key);
  if (known !== undefined) return known;
  const day = computeDay(at, timeZone);
  if (remembered.size >= REMEMBER_AT_MOST) remembered.clear();
  remembered.set(key, day);
  return day;
}

function computeDay(at: Date, timeZone: string): string {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('year')}-${get('month')}-${get('day')}`;
}
