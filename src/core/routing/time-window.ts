import { DateTime } from 'luxon';

/** Weekly hours in a time zone: ISO weekdays (1 = Monday … 7 = Sunday), `HH:mm` from (inclusive) to (exclusive). */
export interface TimeWindow {
  timeZone: string;
  days: readonly number[];
  from: string;
  to: string;
}

const minutes = (hhmm: string) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h! * 60 + m!;
};

/**
 * Whether `at` falls in the window, read on the wall clock of the window's
 * own time zone (so a DST change moves nothing). A window that ends before it
 * starts (22:00–06:00) runs over midnight: its night belongs to the day it starts.
 */
export function inTimeWindow(at: Date, w: TimeWindow): boolean {
  const local = DateTime.fromJSDate(at, { zone: w.timeZone });
  if (!local.isValid) return false;
  const now = local.hour * 60 + local.minute;
  const from = minutes(w.from);
  const to = minutes(w.to);
  if (from <= to) return w.days.includes(local.weekday) && now >= from && now < to;
  if (now >= from) return w.days.includes(local.weekday);
  const yesterday = local.weekday === 1 ? 7 : local.weekday - 1;
  return now < to && w.days.includes(yesterday);
}

export const isTimeZone = (zone: string) => DateTime.local().setZone(zone).isValid;
