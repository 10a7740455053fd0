import { describe, expect, it } from 'vitest';
import { dayBucket } from '../../../src/core/time/day-bucket.js';

/** The day by Intl directly, for every call: what the remembered answers must equal. */
const formats = new Map<string, Intl.DateTimeFormat>();
function direct(at: Date, timeZone: string): string {
  if (!formats.has(timeZone)) formats.set(timeZone, new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }));
  const parts = formats.get(timeZone)!.formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  return `${get('year')}-${get('month')}-${get('day')}`;
}

// Quarter-hour offsets, half-hour daylight saving (Lord Howe), both hemispheres' switches.
const zones = ['UTC', 'Europe/Berlin', 'America/St_Johns', 'Asia/Kathmandu', 'Australia/Eucla', 'Pacific/Chatham', 'Australia/Lord_Howe', 'America/Los_Angeles', 'Pacific/Kiritimati'];

describe('dayBucket', () => {
  it('gives, minute by minute across daylight-saving switches, the day Intl gives', () => {
    // Around the 2026 switches of the northern (March, October/November) and southern (April, October) zones.
    const spans = ['2026-03-07T00:00:00Z', '2026-03-28T00:00:00Z', '2026-04-04T00:00:00Z', '2026-09-26T00:00:00Z', '2026-10-24T00:00:00Z', '2026-10-31T00:00:00Z'];
    for (const timeZone of zones) {
      for (const start of spans) {
        const from = Date.parse(start);
        for (let t = from; t < from + 3 * 86_400_000; t += 60_000) {
          const at = new Date(t);
          const got = dayBucket(at, timeZone);
          if (got !== direct(at, timeZone)) expect.fail(`${timeZone} ${at.toISOString()}: ${got}, Intl says ${direct(at, timeZone)}`);
        }
      }
    }
  });

  it('answers the last millisecond before a local midnight and the midnight itself differently', () => {
    // Kathmandu is UTC+5:45: its midnight is 18:15 UTC.
    expect(dayBucket(new Date('2026-12-04T18:14:59.999Z'), 'Asia/Kathmandu')).toBe('2026-12-04');
    expect(dayBucket(new Date('2026-12-04T18:15:00.000Z'), 'Asia/Kathmandu')).toBe('2026-12-05');
    // Asked in the other order too (the first answer of a quarter hour is the one remembered).
    expect(dayBucket(new Date('2026-12-06T18:15:00.000Z'), 'Asia/Kathmandu')).toBe('2026-12-07');
    expect(dayBucket(new Date('2026-12-06T18:14:59.999Z'), 'Asia/Kathmandu')).toBe('2026-12-06');
  });

  it('keeps zones apart for the same moment', () => {
    const at = new Date('2026-12-05T23:30:00Z');
    expect(dayBucket(at, 'UTC')).toBe('2026-12-05');
    expect(dayBucket(at, 'Europe/Berlin')).toBe('2026-12-06');
    expect(dayBucket(at, 'America/Los_Angeles')).toBe('2026-12-05');
  });

  it('still refuses an invalid date as Intl does', () => {
    expect(() => dayBucket(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
  });
});
