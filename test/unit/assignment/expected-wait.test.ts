import { describe, expect, it } from 'vitest';
import { expectedWaitSeconds, PickUpHistory } from '../../../src/core/assignment/expected-wait.js';

describe('expected wait from recent pick-ups', () => {
  it('unknown before two pick-ups; position × mean interval, whole minutes, at least one', () => {
    expect(expectedWaitSeconds(1, [])).toBeUndefined();
    expect(expectedWaitSeconds(1, [1000])).toBeUndefined();
    // One pick-up every 90 s: third in line waits 270 s → 5 min.
    expect(expectedWaitSeconds(3, [0, 90_000, 180_000])).toBe(300);
    expect(expectedWaitSeconds(1, [5_000, 0, 10_000])).toBe(60);
    expect(expectedWaitSeconds(10, [0, 120_000])).toBe(1200);
  });

  it('keeps only the most recent pick-ups per department', () => {
    const h = new PickUpHistory(3);
    for (const at of [1, 2, 3, 4, 5]) h.record('d', at);
    h.record('e', 9);
    expect(h.of('d')).toEqual([3, 4, 5]);
    expect(h.of('e')).toEqual([9]);
    expect(h.of('x')).toEqual([]);
  });
});
