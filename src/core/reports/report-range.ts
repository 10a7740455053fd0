import { CalendarDaySchema } from '../time/calendar-day.js';
import { ValidationError } from '../errors/app-error.js';
import { dayCount } from './report-calendar.js';

/** A report day: a real calendar day (see CalendarDaySchema). */
export const ReportDaySchema = CalendarDaySchema;

/** Three years of days: the longest range a report reads (every day of it is a period or a read). */
export const MAX_REPORT_DAYS = 3 * 366;

/**
 * Checked once the defaults are applied (an absent `to` is today in the org's zone, an absent `from` a
 * month before), so that `from` alone far in the past or after today is refused like both given.
 */
export function assertReportRange(from: string, to: string): void {
  if (from > to) throw new ValidationError('from must not be after to', [{ path: 'from', message: `must not be after ${to}` }]);
  if (dayCount(from, to) > MAX_REPORT_DAYS) {
    throw new ValidationError('A report covers at most three years', [{ path: 'from', message: `at most ${MAX_REPORT_DAYS} days before ${to}` }]);
  }
}
