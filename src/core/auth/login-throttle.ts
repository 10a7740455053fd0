import { RateLimitedError } from '../errors/app-error.js';

/** One counter: a key (`ip:…`, `email:…`) and how many attempts it may make per window. */
export interface ThrottleKey {
  key: string;
  max: number;
}

/**
 * Fixed-window counter of login attempts per client address and per account.
 *
 * An attempt is counted *before* the password hash is checked (`reserve`, synchronous: no await between
 * the check and the count), so N parallel wrong passwords cannot all pass the check and reach bcrypt
 * before the first failure is recorded. A successful login gives its reservation back (`succeed`).
 *
 * In memory: a restart forgets it, which is acceptable for a single hub;
 * scaled-out deployments should put a proxy limit in front (README).
 */
export class LoginThrottle {
  private readonly attempts = new Map<string, { count: number; resetAt: number }>();

  constructor(private readonly windowMs: number) {}

  /** Throws RateLimitedError when any key is at its limit; otherwise counts this attempt on every key. */
  reserve(keys: ThrottleKey[], now = Date.now()): void {
    for (const { key, max } of keys) {
      const entry = this.attempts.get(key);
      if (entry && entry.resetAt > now && entry.count >= max) {
        throw new RateLimitedError(Math.ceil((entry.resetAt - now) / 1000));
      }
    }
    for (const { key } of keys) {
      const entry = this.attempts.get(key);
      if (!entry || entry.resetAt <= now) this.attempts.set(key, { count: 1, resetAt: now + this.windowMs });
      else entry.count++;
    }
    if (this.attempts.size > 50_000) this.prune(now);
  }

  /**
   * The attempt succeeded: the account starts afresh, and the address gets this attempt back (an office's
   * successful logins must not use up the allowance its colleagues' typos share).
   */
  succeed(accountKey: string, addressKey: string): void {
    this.attempts.delete(accountKey);
    const entry = this.attempts.get(addressKey);
    if (entry && entry.count > 0) entry.count--;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.attempts) if (entry.resetAt <= now) this.attempts.delete(key);
  }
}
