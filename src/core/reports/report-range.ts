import { z } from 'zod';
import { ValidationError } from '../errors/app-error.js';
import { dayCount } from './report-calendar.js';

/**
 * A report day `YYYY-MM-DD` that is a real calendar day: `2024-13-45` or `2024-02-30` would otherwise
 * reach the calendar arithmetic, where an impossible day is an invalid Date (a 500) or rolls over into
 * another month (a period the report names wrongly).
 */
export const ReportDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((day) => {
    const ms = Date.parse(`${day}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === day;
  }, 'must be a calendar day');

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
