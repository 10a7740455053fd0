import { RateLimitedError } from '../../core/errors/app-error.js';

/** Visitors remembered at most; beyond this the memory starts over (every visitor gets a fresh window). */
const MAX_TRACKED = 50_000;

/**
 * At most `max` actions per visitor in any `windowMs` (in memory, per process).
 * The chat's routes are public: a visitor id is all that separates one
 * anonymous caller from another.
 */
export class VisitorLimit {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one action of this visitor, or throws RateLimitedError (HTTP 429 with Retry-After). */
  take(visitorId: string): void {
    const now = Date.now();
    const times = this.check(visitorId, now);
    times.push(now);
    if (this.recent.size >= MAX_TRACKED && !this.recent.has(visitorId)) this.recent.clear();
    this.recent.set(visitorId, times);
  }

  /** Throws RateLimitedError when this visitor has no action left in the window; counts nothing. */
  check(visitorId: string, now = Date.now()): number[] {
    const times = (this.recent.get(visitorId) ?? []).filter((t) => now - t < this.windowMs);
    if (times.length >= this.max) throw new RateLimitedError(Math.max(1, Math.ceil((this.windowMs - (now - times[0]!)) / 1000)));
    return times;
  }
}
