/**
 * Sliding one-hour window per address. Inbound: a sender writing more than the
 * limit is treated as a machine (no auto-replies), which stops loops with
 * auto-responders that set none of the RFC 3834 headers. Outbound: automatic mails
 * to one recipient beyond the limit are refused.
 * In memory, per adapter: a restart forgets the window, which only errs on the side
 * of answering once more.
 */
export class SenderRateLimit {
  private readonly hits = new Map<string, Array<{ at: number; key: string }>>();

  constructor(
    private readonly limitPerHour: number,
    private readonly now: () => number = Date.now,
    private readonly windowMs = 3_600_000,
  ) {}

  /**
   * Records one message from `address` (idempotent per `key`, so a re-delivered
   * message counts once) and says whether the address is now over the limit.
   */
  hit(address: string, key: string): boolean {
    if (this.limitPerHour <= 0) return false;
    const addr = address.toLowerCase();
    const now = this.now();
    const list = (this.hits.get(addr) ?? []).filter((h) => now - h.at < this.windowMs);
    if (!list.some((h) => h.key === key)) list.push({ at: now, key });
    this.hits.set(addr, list);
    if (this.hits.size > 10_000) this.prune(now);
    return list.length > this.limitPerHour;
  }

  private prune(now: number): void {
    for (const [addr, list] of this.hits) {
      const live = list.filter((h) => now - h.at < this.windowMs);
      if (live.length) this.hits.set(addr, live);
      else this.hits.delete(addr);
    }
  }
}
