/** Messages lately announced, kept for a failure that raced its announcement (see `wait`). */
const MAX_RECENT = 1000;

/**
 * Events that failed because the message they name was not stored yet (NotYetKnownError), by what they wait
 * for: when this process stores that message, they are due at once instead of at the next sweep — a receipt
 * can come before our send call has returned (the web chat's own, or a platform's webhook), and the sweep is
 * seconds to minutes away.
 *
 * Only provider keys are kept here; the caller keeps the events (in its bounded retries), and forgets an event
 * here whenever it forgets it there, so this is bounded by the same limit.
 */
export class WaitingEvents {
  /** Awaited message key → provider keys of the events waiting for it. */
  private readonly byAwaited = new Map<string, Set<string>>();
  /** Provider key → the awaited message key it is listed under. */
  private readonly awaitedOf = new Map<string, string>();
  /** Awaited keys announced lately (oldest first): each lets one event that came too late to hear it run at once. */
  private readonly recent = new Set<string>();

  /**
   * Lists `providerKey` as waiting for `awaited`. True when that message was announced already (between the
   * event's lookup and its failure): the caller runs it at once rather than waiting for the sweep. Once per
   * announcement, so an event that still fails then (the message it names is of another kind) waits again.
   */
  wait(providerKey: string, awaited: string): boolean {
    if (this.recent.delete(awaited)) {
      this.forget(providerKey);
      return true;
    }
    this.forget(providerKey);
    let keys = this.byAwaited.get(awaited);
    if (!keys) this.byAwaited.set(awaited, (keys = new Set()));
    keys.add(providerKey);
    this.awaitedOf.set(providerKey, awaited);
    return false;
  }

  /** The event no longer waits here (done, or retried for another reason). */
  forget(providerKey: string): void {
    const awaited = this.awaitedOf.get(providerKey);
    if (awaited === undefined) return;
    this.awaitedOf.delete(providerKey);
    const keys = this.byAwaited.get(awaited);
    keys?.delete(providerKey);
    if (keys?.size === 0) this.byAwaited.delete(awaited);
  }

  /** The message `awaited` is stored now: the provider keys of the events waiting for it, no longer listed. */
  known(awaited: string): string[] {
    this.recent.delete(awaited);
    this.recent.add(awaited);
    if (this.recent.size > MAX_RECENT) this.recent.delete(this.recent.values().next().value!);
    const keys = this.byAwaited.get(awaited);
    if (!keys) return [];
    this.byAwaited.delete(awaited);
    for (const k of keys) this.awaitedOf.delete(k);
    return [...keys];
  }

  get size(): number {
    return this.awaitedOf.size;
  }
}
