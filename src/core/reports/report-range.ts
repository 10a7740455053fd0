import { CalendarDaySchema } from '../time/calendar-day.js';
import { ValidationError } from '../errors/app-error.js';
import { addDays, dayCount } from './report-calendar.js';

/** A report day: a real calendar day (see CalendarDaySchema). */
export const ReportDaySchema = CalendarDaySchema;

/** Three years of days: the longest range a report reads (every day of it is a period or a read). */
export const MAX_REPORT_DAYS = 3 * 366;

/**
 * Nothing Ponte records is older (tickets and messages carry their time in an ObjectId, which starts here).
 * A report of year 1000 read every month document from then to today for its backlog trend (12,000 reads,
 * 14 s on the embedded database, open to any signed-in user), and year 0000 named its previous period
 * `-000001-12`.
 */
export const FIRST_REPORT_DAY = '1970-01-01';

/** How far ahead a report may end: a year's plan is fine; December 9999 has no next month (a 500). */
export const MAX_DAYS_AHEAD = 366;

/**
 * Checked once the defaults are applied (an absent `to` is today in the org's zone, an absent `from` a
 * month before), so that `from` alone far in the past or after today is refused like both given.
 */
export function assertReportRange(from: string, to: string, today: string): void {
  if (from < FIRST_REPORT_DAY) throw new ValidationError(`from must not be before ${FIRST_REPORT_DAY}`, [{ path: 'from', message: `must not be before ${FIRST_REPORT_DAY}` }]);
  const last = addDays(today, MAX_DAYS_AHEAD);
  if (to > last) throw new ValidationError(`to must not be after ${last}`, [{ path: 'to', message: `must not be after ${last} (a year from today)` }]);
  if (from > to) throw new ValidationError('from must not be after to', [{ path: 'from', message: `must not be after ${to}` }]);
  if (dayCount(from, to) > MAX_REPORT_DAYS) {
    throw new ValidationError('A report covers at most three years', [{ path: 'from', message: `at most ${MAX_REPORT_DAYS} days before ${to}` }]);
  }
}
