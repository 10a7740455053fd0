import { Types } from 'mongoose';
import { describe, expect, it } from 'vitest';
import { OTHER_SLOT, slotOf } from '../../../src/core/reports/report-slots.js';

const idAt = (iso: string) => Types.ObjectId.createFromTime(Date.parse(iso) / 1000).toHexString();

describe('report slots', () => {
  it("a message or ticket fact goes to the UTC hour of its id's moment, the same every time", () => {
    expect(slotOf(`in:${idAt('2026-12-05T14:35:00Z')}`, '2026-12-05')).toBe('14');
    expect(slotOf(`out:${idAt('2026-12-05T00:00:00Z')}`, '2026-12-05')).toBe('00');
    expect(slotOf(`resolved:${idAt('2026-12-05T23:59:59Z')}:12`, '2026-12-05')).toBe('23');
    // A day in a time zone west of UTC ends on the next UTC date: still its hour.
    expect(slotOf(`in:${idAt('2026-12-06T02:10:00Z')}`, '2026-12-05')).toBe('02');
    const id = `frt:${idAt('2026-12-05T09:00:00Z')}`;
    expect(slotOf(id, '2026-12-05')).toBe(slotOf(id, '2026-12-05'));
  });

  it('a fact about something from days before, or with no moment in its id, shares the other slot', () => {
    expect(slotOf(`resolved:${idAt('2026-11-20T10:00:00Z')}:3`, '2026-12-05')).toBe(OTHER_SLOT);
    expect(slotOf(`available:${idAt('2025-01-01T10:00:00Z')}:1764900000000:2026-12-05`, '2026-12-05')).toBe(OTHER_SLOT);
    expect(slotOf('created:not-an-object-id', '2026-12-05')).toBe(OTHER_SLOT);
  });
});
