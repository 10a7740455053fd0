import type { Clock } from '../../src/core/time/clock.js';

/** A clock the test moves: starts at the real time, `advance` jumps ahead (days for auto-close). */
export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
  /** Back to the real time (the tickets' own timestamps are written with it). */
  reset(): void {
    this.offsetMs = 0;
  }
}

export const DAY_MS = 86_400_000;
