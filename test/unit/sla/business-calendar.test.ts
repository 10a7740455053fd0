import { describe, expect, it } from 'vitest';
import { addBusinessMinutes, businessCalendarSchema, businessMinutesBetween, isOpenAt, type BusinessCalendar } from '../../../src/core/sla/business-calendar.js';

const nine2six = [{ from: '09:00', to: '18:00' }];
const weekdays = (tz: string, holidays: string[] = []): BusinessCalendar => ({ timeZone: tz, week: [nine2six, nine2six, nine2six, nine2six, nine2six, [], []], holidays });
const always = (tz: string): BusinessCalendar => ({ timeZone: tz, week: Array.from({ length: 7 }, () => [{ from: '00:00', to: '24:00' }]), holidays: [] });
const lunch = [{ from: '08:00', to: '12:00' }, { from: '13:00', to: '17:00' }];
const split: BusinessCalendar = { timeZone: 'America/Sao_Paulo', week: [lunch, lunch, lunch, lunch, lunch, [{ from: '09:00', to: '13:00' }], []], holidays: [] };
// Night desk: Monday 22:00 to Tuesday 06:00, written as two days.
const night: BusinessCalendar = { timeZone: 'UTC', week: [[{ from: '22:00', to: '24:00' }], [{ from: '00:00', to: '06:00' }], [], [], [], [], []], holidays: [] };

// 2026-12-07 is a Monday. Sao Paulo is UTC-3 (no DST since 2019).
const table: Array<[string, BusinessCalendar | null, string, number, string]> = [
  ['no calendar: calendar minutes', null, '2026-12-05T10:00:00Z', 240, '2026-12-05T14:00:00.000Z'],
  ['inside hours, same day', weekdays('America/Sao_Paulo'), '2026-12-07T13:00:00Z' /* 10:00 */, 120, '2026-12-07T15:00:00.000Z'],
  ['runs over the evening into the next morning', weekdays('America/Sao_Paulo'), '2026-12-07T20:00:00Z' /* 17:00 */, 120, '2026-12-08T13:00:00.000Z' /* Tue 10:00 */],
  ['arrives overnight: starts at opening', weekdays('America/Sao_Paulo'), '2026-12-08T05:00:00Z' /* Tue 02:00 */, 30, '2026-12-08T12:30:00.000Z'],
  ['Friday afternoon → Monday (weekend skipped)', weekdays('America/Sao_Paulo'), '2026-12-11T20:00:00Z' /* Fri 17:00 */, 120, '2026-12-14T13:00:00.000Z' /* Mon 10:00 */],
  ['arrives on Saturday', weekdays('America/Sao_Paulo'), '2026-12-12T15:00:00Z', 60, '2026-12-14T13:00:00.000Z'],
  ['holiday Monday skipped', weekdays('America/Sao_Paulo', ['2026-12-14']), '2026-12-11T20:00:00Z', 120, '2026-12-15T13:00:00.000Z'],
  ['Christmas and a weekend', weekdays('Europe/Lisbon', ['2026-12-24', '2026-12-25']), '2026-12-23T17:00:00Z' /* Wed 17:00 */, 120, '2026-12-28T10:00:00.000Z' /* Mon 10:00 */],
  ['lunch break not counted', split, '2026-12-07T14:30:00Z' /* 11:30 */, 60, '2026-12-07T16:30:00.000Z' /* 13:30 */],
  ['Saturday morning only', split, '2026-12-12T15:00:00Z' /* Sat 12:00 */, 120, '2026-12-14T12:00:00.000Z' /* Mon 09:00 */],
  ['night desk across midnight', night, '2026-12-07T23:00:00Z', 120, '2026-12-08T01:00:00.000Z'],
  ['night desk, after the shift → next week', night, '2026-12-08T05:00:00Z', 120, '2026-12-14T23:00:00.000Z'],
  ['exactly at closing → next opening', weekdays('UTC'), '2026-12-07T18:00:00Z', 1, '2026-12-08T09:01:00.000Z'],
  ['zero minutes after hours: the next opening', weekdays('UTC'), '2026-12-07T20:00:00Z', 0, '2026-12-08T09:00:00.000Z'],
  // DST: New York springs forward on 2026-03-08 02:00 → 03:00 (EST -5 → EDT -4).
  ['NY: Friday 17:00 EST + 2h → Monday 10:00 EDT', weekdays('America/New_York'), '2026-03-06T22:00:00Z', 120, '2026-03-09T14:00:00.000Z'],
  ['NY 24×7: a 23-hour Sunday counts lived hours', always('America/New_York'), '2026-03-07T17:00:00Z', 24 * 60, '2026-03-08T17:00:00.000Z'],
  // Lisbon falls back on 2026-10-25 02:00 → 01:00 (WEST +1 → WET 0): 09:00 local moves from 08:00Z to 09:00Z.
  ['Lisbon: Friday 17:00 WEST + 2h → Monday 10:00 WET', weekdays('Europe/Lisbon'), '2026-10-23T16:00:00Z', 120, '2026-10-26T10:00:00.000Z'],
  // Sao Paulo historic DST: 2018-11-04 00:00 did not exist (-03 → -02).
  ['Sao Paulo 2018: clock-forward midnight', weekdays('America/Sao_Paulo'), '2018-11-02T20:00:00Z' /* Fri 17:00 -03 */, 120, '2018-11-05T12:00:00.000Z' /* Mon 10:00 -02 */],
];

describe('business calendar: due times', () => {
  it.each(table)('%s', (_name, cal, from, minutes, due) => {
    expect(addBusinessMinutes(cal, new Date(from), minutes)?.toISOString()).toBe(due);
  });

  it.each(table)('%s: minutes between gives the target back', (_name, cal, from, minutes, due) => {
    expect(businessMinutesBetween(cal, new Date(from), new Date(due))).toBeCloseTo(minutes, 6);
  });
});

describe('business calendar: other rules', () => {
  it('counts nothing over a closed weekend and nothing backwards', () => {
    const cal = weekdays('UTC');
    expect(businessMinutesBetween(cal, new Date('2026-12-12T08:00:00Z'), new Date('2026-12-13T20:00:00Z'))).toBe(0);
    expect(businessMinutesBetween(cal, new Date('2026-12-08T10:00:00Z'), new Date('2026-12-07T10:00:00Z'))).toBe(0);
  });

  it('knows whether it is open', () => {
    const cal = weekdays('America/Sao_Paulo', ['2026-12-25']);
    expect(isOpenAt(cal, new Date('2026-12-07T13:00:00Z'))).toBe(true);
    expect(isOpenAt(cal, new Date('2026-12-07T21:00:00Z'))).toBe(false);
    expect(isOpenAt(cal, new Date('2026-12-25T13:00:00Z'))).toBe(false);
    expect(isOpenAt(null, new Date())).toBe(true);
  });

  it('a calendar without enough opening gives no due time instead of looping (or failing every SLA computation)', () => {
    const closed: BusinessCalendar = { timeZone: 'UTC', week: [[], [], [], [], [], [], []], holidays: [] };
    expect(addBusinessMinutes(closed, new Date('2026-12-07T10:00:00Z'), 1)).toBeUndefined();
    // One minute a week: 60 minutes take 60 weeks, 10,000 take longer than the search goes.
    const sparse: BusinessCalendar = { timeZone: 'UTC', week: [[{ from: '09:00', to: '09:01' }], [], [], [], [], [], []], holidays: [] };
    expect(addBusinessMinutes(sparse, new Date('2026-12-07T10:00:00Z'), 60)?.toISOString()).toBe('2028-01-31T09:01:00.000Z');
    expect(addBusinessMinutes(sparse, new Date('2026-12-07T10:00:00Z'), 10_000)).toBeUndefined();
    expect(businessCalendarSchema.safeParse(closed).success).toBe(false);
  });

  it('validates calendars at the boundary', () => {
    expect(businessCalendarSchema.safeParse(weekdays('Europe/Lisbon')).success).toBe(true);
    expect(businessCalendarSchema.safeParse({ ...weekdays('Mars/Olympus'), timeZone: 'Mars/Olympus' }).success).toBe(false);
    expect(businessCalendarSchema.safeParse({ ...weekdays('UTC'), week: [[{ from: '18:00', to: '09:00' }], [], [], [], [], [], []] }).success).toBe(false);
    expect(businessCalendarSchema.safeParse({ ...weekdays('UTC'), week: [[]] }).success).toBe(false);
    expect(businessCalendarSchema.safeParse({ ...weekdays('UTC'), holidays: ['25/12/2026'] }).success).toBe(false);
  });

  it('refuses intervals of one day that overlap (each minute would count twice), naming the later one', () => {
    const overlap = businessCalendarSchema.safeParse({ ...weekdays('UTC'), week: [[{ from: '13:00', to: '18:00' }, { from: '09:00', to: '14:00' }], [], [], [], [], [], []] });
    expect(overlap.success).toBe(false);
    expect(overlap.error?.issues.map((i) => i.path.join('.'))).toEqual(['week.0.0.from']);
    const same = businessCalendarSchema.safeParse({ ...weekdays('UTC'), week: [nine2six, [...nine2six, ...nine2six], [], [], [], [], []] });
    expect(same.error?.issues.map((i) => i.path.join('.'))).toEqual(['week.1.1.from']);
    // Touching is no overlap: 09:00–12:00 and 12:00–18:00 is one day of nine hours.
    expect(businessCalendarSchema.safeParse({ ...weekdays('UTC'), week: [[{ from: '12:00', to: '18:00' }, { from: '09:00', to: '12:00' }], [], [], [], [], [], []] }).success).toBe(true);
  });

  it('a stored calendar with overlapping intervals counts each open minute once (due times were too early)', () => {
    // Written before overlaps were refused: 09:00–17:00 twice on Monday is one opening of 8 hours.
    const twice = [{ from: '09:00', to: '17:00' }, { from: '09:00', to: '17:00' }];
    const cal: BusinessCalendar = { timeZone: 'UTC', week: [twice, nine2six, [], [], [], [], []], holidays: [] };
    expect(businessMinutesBetween(cal, new Date('2026-12-07T09:00:00Z'), new Date('2026-12-07T17:00:00Z'))).toBe(480);
    // 8 h and 1 minute: Tuesday 09:01, not Monday 09:01 (before the 8 hours had even passed).
    expect(addBusinessMinutes(cal, new Date('2026-12-07T09:00:00Z'), 481)?.toISOString()).toBe('2026-12-08T09:01:00.000Z');
    const nested: BusinessCalendar = { timeZone: 'UTC', week: [[{ from: '09:00', to: '18:00' }, { from: '10:00', to: '11:00' }, { from: '17:30', to: '19:00' }], [], [], [], [], [], []], holidays: [] };
    expect(businessMinutesBetween(nested, new Date('2026-12-07T00:00:00Z'), new Date('2026-12-08T00:00:00Z'))).toBe(600);
    expect(addBusinessMinutes(nested, new Date('2026-12-07T10:30:00Z'), 60)?.toISOString()).toBe('2026-12-07T11:30:00.000Z');
  });
});
