import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DIRECTORY_BATCH_MS, Projector } from '../../../src/realtime/projector.js';

/** An admin importing agents: every `directory.changed` used to reach every console, which re-read the list each time. */
function fakeIo() {
  const sent: Array<{ room: unknown; name: string; payload: any }> = [];
  const io = { to: (room: unknown) => ({ emit: (name: string, payload: unknown) => void sent.push({ room, name, payload }) }) };
  return { io: io as unknown as Server, sent };
}

describe('Projector: directory.changed in bursts', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends the first change at once and the rest of a burst as one more event, per list', () => {
    const { io, sent } = fakeIo();
    const p = new Projector(io, { debug() {} } as unknown as Logger);
    for (let i = 0; i < 50; i++) p.project({ type: 'directory.changed', what: 'users', at: `2026-12-05T10:00:${String(i).padStart(2, '0')}.000Z` });
    p.project({ type: 'directory.changed', what: 'departments', at: '2026-12-05T10:00:00.500Z' });
    expect(sent.map((e) => e.payload)).toEqual([
      { what: 'users', at: '2026-12-05T10:00:00.000Z' },
      { what: 'departments', at: '2026-12-05T10:00:00.500Z' },
    ]);
    vi.advanceTimersByTime(DIRECTORY_BATCH_MS);
    // The burst's last change, after which the lists are complete.
    expect(sent.map((e) => e.payload)).toEqual([
      { what: 'users', at: '2026-12-05T10:00:00.000Z' },
      { what: 'departments', at: '2026-12-05T10:00:00.500Z' },
      { what: 'users', at: '2026-12-05T10:00:49.000Z' },
    ]);
    vi.advanceTimersByTime(DIRECTORY_BATCH_MS * 4);
    expect(sent).toHaveLength(3);
    // Quiet again: the next change goes out at once.
    p.project({ type: 'directory.changed', what: 'users', at: '2026-12-05T10:01:00.000Z' });
    expect(sent).toHaveLength(4);
    expect(sent.every((e) => e.room === 'agents' && e.name === 'directory.changed')).toBe(true);
    p.close();
  });
});
