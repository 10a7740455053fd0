import type { SlaCalendarDoc } from '../models/sla-calendar.js';

/** The API's week (seven lists, Monday first) ⇄ the stored flat list (FerretDB stores no nested arrays). */

export type Week = Array<Array<{ from: string; to: string }>>;

export const hoursFromWeek = (week: Week): SlaCalendarDoc['hours'] => week.flatMap((intervals, day) => intervals.map((i) => ({ day, from: i.from, to: i.to })));

export const weekFromHours = (hours: SlaCalendarDoc['hours']): Week =>
  Array.from({ length: 7 }, (_, day) => hours.filter((h) => h.day === day).map((h) => ({ from: h.from, to: h.to })));
