import { describe, expect, it } from 'vitest';
import { DeliveredMessages } from '../../../src/channels/webchat/delivered-messages.js';

const MIN = 60_000;
const limits = { ttlMs: 60 * MIN, afterDisconnectMs: 10 * MIN, maxMessages: 1_000, maxPerRoom: 200 };

describe('replies delivered and not yet read (held per visitor room)', () => {
  it('a reply is taken once, by its own room only; a room with none left is gone', () => {
    const d = new DeliveredMessages(limits);
    d.add('v:i:a', 'm1', 0);
    d.add('v:i:a', 'm2', 0);
    expect(d.take('v:i:b', ['m1'], 1)).toEqual([]);
    expect(d.take('v:i:a', ['m1', 'm1', 'mX'], 1)).toEqual(['m1']);
    expect(d.take('v:i:a', ['m1'], 2)).toEqual([]);
    expect(d.size).toEqual({ rooms: 1, messages: 1 });
    expect(d.take('v:i:a', ['m2'], 3)).toEqual(['m2']);
    expect(d.size).toEqual({ rooms: 0, messages: 0 });
  });

  it('churn: 100,000 visitors answered who never read nor come back hold at most the cap, and nothing once their time is up', () => {
    const d = new DeliveredMessages(limits);
    let now = 0;
    let peak = 0;
    for (let v = 0; v < 100_000; v++) {
      now += 50; // one visitor answered every 50 ms: ~83 minutes of churn
      d.add(`v:i:${v}`, `m${v}a`, now);
      d.add(`v:i:${v}`, `m${v}b`, now);
      if (v % 3 === 0) d.disconnected(`v:i:${v}`, now);
      peak = Math.max(peak, d.size.messages);
    }
    expect(peak).toBeLessThanOrEqual(limits.maxMessages);
    // The rooms delivered to longest ago went first: the latest are still held.
    expect(d.take('v:i:99999', ['m99999a'], now)).toEqual(['m99999a']);
    d.disconnected('v:i:0', now + limits.ttlMs + 1);
    expect(d.size).toEqual({ rooms: 0, messages: 0 });
  });

  it('by age: an hour after the last delivery, or ten minutes after the last socket here closed', () => {
    const d = new DeliveredMessages({ ...limits, maxMessages: 1_000_000 });
    d.add('open', 'm1', 0);
    d.add('closed', 'm2', 0);
    d.disconnected('closed', 0);
    expect(d.take('closed', ['m2'], 9 * MIN)).toEqual(['m2']); // a reload or an unlocked phone, a while later
    d.add('closed', 'm3', 9 * MIN);
    d.disconnected('closed', 9 * MIN);
    d.add('other', 'm4', 20 * MIN); // a visit a while later sweeps
    expect(d.size).toEqual({ rooms: 2, messages: 2 });
    expect(d.take('open', ['m1'], 59 * MIN)).toEqual(['m1']);
    d.add('open', 'm5', 59 * MIN);
    d.add('other', 'm6', 2 * 60 * MIN + 1);
    expect(d.size).toEqual({ rooms: 1, messages: 1 });
  });

  it('a room holds its latest 200', () => {
    const d = new DeliveredMessages(limits);
    for (let i = 0; i < 500; i++) d.add('v', `m${i}`, i);
    expect(d.size).toEqual({ rooms: 1, messages: 200 });
    expect(d.take('v', ['m299', 'm300', 'm499'], 600)).toEqual(['m300', 'm499']);
  });
});
