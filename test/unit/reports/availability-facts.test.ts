import { describe, expect, it } from 'vitest';
import { availabilityFacts } from '../../../src/core/reports/availability-log.js';

const interval = (from: string, to: string) => ({ _id: `u1:${from}`, userId: 'u1', state: 'available' as const, from: new Date(from), to: new Date(to) });

describe('availability stretches as facts', () => {
  it('splits a stretch at midnight in the organisation time zone', () => {
    // 22:00 → 02:30 in São Paulo (UTC−3): 2 h on the 1st, 2 h 30 on the 2nd.
    const facts = availabilityFacts(interval('2026-03-02T01:00:00Z', '2026-03-02T05:30:00Z'), 'America/Sao_Paulo');
    expect(facts.map((f) => [f.day, f.seconds])).toEqual([
      ['2026-03-01', 7200],
      ['2026-03-02', 9000],
    ]);
    expect(new Set(facts.map((f) => f.id)).size).toBe(2);
    expect(facts.every((f) => f.agent === 'u1' && f.kind === 'available')).toBe(true);
  });

  it('counts real elapsed time across a DST change (Lisbon, 29 March 2026: 01:00 → 02:00)', () => {
    const facts = availabilityFacts(interval('2026-03-28T23:00:00Z', '2026-03-29T03:00:00Z'), 'Europe/Lisbon');
    expect(facts.map((f) => [f.day, f.seconds])).toEqual([
      ['2026-03-28', 3600],
      ['2026-03-29', 3 * 3600],
    ]);
  });

  it('gives nothing for an empty stretch', () => {
    expect(availabilityFacts(interval('2026-03-02T01:00:00Z', '2026-03-02T01:00:00Z'), 'UTC')).toEqual([]);
  });
});
