import { describe, expect, it } from 'vitest';
import { SenderRateLimit } from '../../../src/channels/email/sender-rate-limit.js';

describe('SenderRateLimit', () => {
  it('allows the limit within an hour, then says over; the window slides', () => {
    let now = 0;
    const limit = new SenderRateLimit(3, () => now);
    expect([1, 2, 3].map((i) => limit.hit('Bot@Loop.example', `m${i}`))).toEqual([false, false, false]);
    expect(limit.hit('bot@loop.example', 'm4')).toBe(true);
    now = 30 * 60_000;
    expect(limit.hit('other@example.com', 'x1')).toBe(false);
    now = 61 * 60_000; // m1..m4 are older than an hour
    expect(limit.hit('bot@loop.example', 'm5')).toBe(false);
  });

  it('counts a re-delivered message once', () => {
    const limit = new SenderRateLimit(1, () => 0);
    expect(limit.hit('a@b.c', 'same')).toBe(false);
    expect(limit.hit('a@b.c', 'same')).toBe(false);
    expect(limit.hit('a@b.c', 'other')).toBe(true);
  });

  it('0 turns it off', () => {
    const limit = new SenderRateLimit(0);
    for (let i = 0; i < 100; i += 1) expect(limit.hit('a@b.c', String(i))).toBe(false);
  });
});
