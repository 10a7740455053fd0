import { describe, expect, it } from 'vitest';
import { KnownPending } from '../../../src/core/ingest/known-pending.js';

describe('KnownPending', () => {
  it('is complete only once the start list was read, keeps the earliest time, sweeps the longest known first', () => {
    const known = new KnownPending();
    known.add('b', 200);
    known.add('b', 500); // a retry of the same event: still pending since 200
    known.add('c', 300);
    expect(known.complete).toBe(false);
    known.listedAtStart([{ key: 'a', since: 100 }]);
    expect(known.complete).toBe(true);
    expect(known.due(250, 10)).toEqual(['a', 'b']);
    expect(known.due(1_000, 2)).toEqual(['a', 'b']);
    known.done('a');
    expect(known.due(1_000, 10)).toEqual(['b', 'c']);
    expect(known.keys().sort()).toEqual(['b', 'c']);
    expect(known.has('a')).toBe(false);
  });
});
