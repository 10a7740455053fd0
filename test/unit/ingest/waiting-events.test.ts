import { describe, expect, it } from 'vitest';
import { WaitingEvents } from '../../../src/core/ingest/waiting-events.js';

describe('WaitingEvents', () => {
  it('hands over the events waiting for a message once, and forgets the ones retried otherwise', () => {
    const waiting = new WaitingEvents();
    expect(waiting.wait('delivered', 'inbox:m1')).toBe(false);
    expect(waiting.wait('read', 'inbox:m1')).toBe(false);
    expect(waiting.wait('reaction', 'inbox:m2')).toBe(false);
    waiting.forget('reaction'); // retried by the sweep meanwhile
    expect(waiting.size).toBe(2);
    expect(waiting.known('inbox:m1').sort()).toEqual(['delivered', 'read']);
    expect(waiting.known('inbox:m2')).toEqual([]);
    expect(waiting.size).toBe(0);
  });

  it('an event that failed after its message was announced runs at once, but only once', () => {
    const waiting = new WaitingEvents();
    expect(waiting.known('inbox:m1')).toEqual([]); // announced while the receipt was still looking
    expect(waiting.wait('delivered', 'inbox:m1')).toBe(true);
    expect(waiting.size).toBe(0);
    // Failing again (the message is not what it wants): it waits, no loop.
    expect(waiting.wait('delivered', 'inbox:m1')).toBe(false);
    expect(waiting.size).toBe(1);
  });

  it('a retried event moves to what it waits for now', () => {
    const waiting = new WaitingEvents();
    waiting.wait('edit', 'inbox:m1');
    waiting.wait('edit', 'inbox:m2');
    expect(waiting.known('inbox:m1')).toEqual([]);
    expect(waiting.known('inbox:m2')).toEqual(['edit']);
  });
});
