import { RateLimitedError } from '../errors/app-error.js';

/**
 * Fixed-window counter of failed logins per client address and per account.
 * In memory: a restart forgets it, which is acceptable for a single hub;
 * scaled-out deployments should put a proxy limit in front (README).
 */
export class LoginThrottle {
  private readonly failures = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly maxAttempts: number,
    private readonly windowMs: number,
  ) {}

  check(keys: string[], now = Date.now()): void {
    for (const key of keys) {
      const entry = this.failures.get(key);
      if (entry && entry.resetAt > now && entry.count >= this.maxAttempts) {
        throw new RateLimitedError(Math.ceil((entry.resetAt - now) / 1000));
      }
    }
  }

  fail(keys: string[], now = Date.now()): void {
    for (const key of keys) {
      const entry = this.failures.get(key);
      if (!entry || entry.resetAt <= now) this.failures.set(key, { count: 1, resetAt: now + this.windowMs });
      else entry.count++;
    }
    if (this.failures.size > 50_000) this.prune(now);
  }

  succeed(keys: string[]): void {
    for (const key of keys) this.failures.delete(key);
  }

  private prune(now: number): void {
    for (const [key, entry] of this.failures) if (entry.resetAt <= now) this.failures.delete(key);
  }
}
