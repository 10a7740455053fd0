import { z } from 'zod';

/**
 * A day `YYYY-MM-DD` that is a real calendar day: `2024-13-45` or `2024-02-30` would otherwise reach date
 * arithmetic, where an impossible day is an invalid Date (a 500) or rolls over into another month (a report
 * period named wrongly, a holiday that never matches).
 */
export const CalendarDaySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD')
  .refine((day) => {
    const ms = Date.parse(`${day}T00:00:00Z`);
    return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 10) === day;
  }, 'must be a calendar day');
