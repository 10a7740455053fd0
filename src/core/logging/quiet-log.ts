import type { Logger } from 'pino';

/** Keys remembered at most; beyond this the memory starts over (a key may then be logged once more). */
const MAX_KEYS = 10_000;

/**
 * One log line per key per window: a script hammering a refusal (a reconnect loop, a flood) must not flood
 * the log. The first occurrence is logged with its context; the next window's first says how many were
 * left out in between (`alsoRefused`).
 */
export class QuietLog {
  private readonly seen = new Map<string, { at: number; quiet: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly windowMs: number,
  ) {}

  /** Logs `fields` + `msg` at info unless `key` was logged within the window; returns whether it logged. */
  info(key: string, fields: Record<string, unknown>, msg: string, now = Date.now()): boolean {
    const last = this.seen.get(key);
    if (last && now - last.at < this.windowMs) {
      last.quiet += 1;
      return false;
    }
    if (!last && this.seen.size >= MAX_KEYS) this.seen.clear();
    this.seen.set(key, { at: now, quiet: 0 });
    this.logger.info({ ...fields, ...(last?.quiet ? { alsoRefused: last.quiet } : {}) }, msg);
    return true;
  }
}
