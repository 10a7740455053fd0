import { CalendarDaySchema } from '../time/calendar-day.js';
import { DateTime } from 'luxon';
import { z } from 'zod';

/** `HH:mm`, 00:00–24:00 (24:00 = the end of the day). */
const clock = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'HH:mm between 00:00 and 24:00');

export const businessIntervalSchema = z
  .object({ from: clock, to: clock })
  .refine((i) => i.from < i.to, { message: 'from must be before to (split a night shift into two days)' });

/** A valid IANA time zone name (what luxon and Intl accept). */
export const timeZoneSchema = z.string().refine((z) => DateTime.now().setZone(z).isValid, { message: 'unknown IANA time zone' });

/**
 * Intervals of one day may touch but not overlap: an overlap counted its minutes twice (a target ran out
 * early, a pause gave back double). The issue names the interval that starts inside another one.
 */
const dayIntervalsSchema = z
  .array(businessIntervalSchema)
  .max(8)
  .superRefine((day, ctx) => {
    const order = day.map((i, index) => ({ ...i, index })).sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : a.index - b.index));
    for (let n = 1; n < order.length; n++) {
      const [before, later] = [order[n - 1]!, order[n]!];
      if (later.from < before.to) ctx.addIssue({ code: 'custom', path: [later.index, 'from'], message: `overlaps ${before.from}–${before.to} of the same day` });
    }
  });

export const businessCalendarSchema = z.object({
  timeZone: timeZoneSchema,
  /** Seven lists of opening intervals, Monday first (ISO weekday 1 → index 0); at least one opening in the week. */
  week: z
    .array(dayIntervalsSchema)
    .length(7)
    .refine((week) => week.some((day) => day.length > 0), 'a calendar needs opening hours on at least one day'),
  /** Local dates (`YYYY-MM-DD`) when nobody works. */
  holidays: z.array(CalendarDaySchema).max(366),
});

export type BusinessCalendar = z.infer<typeof businessCalendarSchema>;

/**
 * `null` = the clock never stops (24×7 in real minutes): the built-in behaviour, so installs without
 * calendars keep today's calendar-minute targets.
 */
export type CalendarOrAlways = BusinessCalendar | null;

const MINUTE = 60_000;
/** A calendar with no opening at all would loop forever; no target searches further than this. */
export const MAX_CALENDAR_DAYS = 3 * 366;

/** Opening intervals of one local day, in real instants (DST days have 23 or 25 hours, counted as lived). */
function openingsOf(cal: BusinessCalendar, day: DateTime): Array<[number, number]> {
  if (cal.holidays.includes(day.toISODate()!)) return [];
  const at = (hhmm: string) => {
    if (hhmm === '24:00') return day.plus({ days: 1 }).startOf('day').toMillis();
    const [h, m] = hhmm.split(':').map(Number) as [number, number];
    // An hour skipped by a DST jump moves forward (luxon's rule): 02:30 on a spring-forward day = 03:30.
    return day.set({ hour: h, minute: m, second: 0, millisecond: 0 }).toMillis();
  };
  const sorted = cal.week[day.weekday - 1]!.map((i) => [at(i.from), at(i.to)] as [number, number])
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  // Overlaps are refused at the boundary; a calendar stored before that has them merged, so no minute counts twice.
  const merged: Array<[number, number]> = [];
  for (const [s, e] of sorted) {
    const last = merged.at(-1);
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  return merged;
}

/**
 * The moment `minutes` of open time after `from` (from itself when it is 0), or undefined when the calendar
 * does not have that much open time within MAX_CALENDAR_DAYS (one minute a week, holidays over every open day):
 * the target then has no due time. It used to throw, which failed every SLA computation of the calendar's
 * departments — inbound messages were not stored, replies and ticket changes answered 500.
 */
export function addBusinessMinutes(cal: CalendarOrAlways, from: Date, minutes: number): Date | undefined {
  if (!cal) return new Date(from.getTime() + minutes * MINUTE);
  let remaining = minutes * MINUTE;
  const start = from.getTime();
  let day = DateTime.fromMillis(start, { zone: cal.timeZone }).startOf('day');
  for (let n = 0; n < MAX_CALENDAR_DAYS; n++, day = day.plus({ days: 1 }).startOf('day')) {
    for (const [s, e] of openingsOf(cal, day)) {
      if (e <= start) continue;
      const begin = Math.max(s, start);
      if (remaining <= e - begin) return new Date(begin + remaining);
      remaining -= e - begin;
    }
  }
  return undefined;
}

/** Open minutes between two moments (0 when `to` is not after `from`). */
export function businessMinutesBetween(cal: CalendarOrAlways, from: Date, to: Date): number {
  const a = from.getTime();
  const b = to.getTime();
  if (b <= a) return 0;
  if (!cal) return (b - a) / MINUTE;
  let total = 0;
  let day = DateTime.fromMillis(a, { zone: cal.timeZone }).startOf('day');
  while (day.toMillis() < b) {
    for (const [s, e] of openingsOf(cal, day)) total += Math.max(0, Math.min(e, b) - Math.max(s, a));
    day = day.plus({ days: 1 }).startOf('day');
  }
  return total / MINUTE;
}

/** Whether the calendar is open at that moment (the auto-acknowledgement's "we answer from…"). */
export function isOpenAt(cal: CalendarOrAlways, at: Date): boolean {
  if (!cal) return true;
  const t = at.getTime();
  const day = DateTime.fromMillis(t, { zone: cal.timeZone }).startOf('day');
  return openingsOf(cal, day).some(([s, e]) => s <= t && t < e);
}
