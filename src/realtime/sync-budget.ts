/**
 * How many ticket ids one socket may ask about in `sync` per window. A console syncs once per reconnect with
 * the threads it has loaded; a client looping over sync (500 ids each) would otherwise keep the database busy
 * for every other agent. Fixed window, in memory, per socket.
 */
export class SyncBudget {
  private used = 0;
  private resetAt = 0;

  constructor(
    private readonly idsPerWindow: number,
    private readonly windowMs: number,
  ) {}

  /** Takes `ids` from the budget; false (nothing taken) when they do not fit. */
  take(ids: number, now = Date.now()): boolean {
    if (now >= this.resetAt) {
      this.used = 0;
      this.resetAt = now + this.windowMs;
    }
    if (this.used + ids > this.idsPerWindow) return false;
    this.used += ids;
    return true;
  }

  secondsUntilReset(now = Date.now()): number {
    return Math.max(1, Math.ceil((this.resetAt - now) / 1000));
  }
}
