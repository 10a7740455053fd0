/**
 * A visitor's "typing" on its way to the agents' consoles. The socket is anonymous: a page (or a script) may
 * send `typing` as fast as it likes, also flipping true/false in a loop, and each relay is a broadcast to every
 * console on the ticket. So: a relay at most every `minGapMs` — a state offered sooner is held and the latest
 * one goes out when the gap ends, so the consoles always end on the visitor's last state (a dropped final
 * `false` left "typing…" showing); the same state again (the page repeats "typing" while the visitor types,
 * and consoles let it lapse after a few seconds) at most every `repeatMs`.
 */
export class TypingThrottle {
  private last: boolean | undefined;
  private relayedAt = -Infinity;
  private held: boolean | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly relay: (typing: boolean) => void,
    private readonly repeatMs: number,
    private readonly minGapMs: number,
  ) {}

  /** The consoles were last told "typing". */
  get typing(): boolean {
    return this.last === true;
  }

  offer(typing: boolean): void {
    if (this.timer) {
      this.held = typing;
      return;
    }
    if (typing === this.last && Date.now() - this.relayedAt < this.repeatMs) return;
    const wait = this.relayedAt + this.minGapMs - Date.now();
    if (wait > 0) {
      this.held = typing;
      this.timer = setTimeout(() => this.release(), wait);
      this.timer.unref();
      return;
    }
    this.last = typing;
    this.relayedAt = Date.now();
    this.relay(typing);
  }

  /** Drops a held state (the socket is gone). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held = undefined;
  }

  private release(): void {
    this.timer = undefined;
    const held = this.held;
    this.held = undefined;
    if (held !== undefined) this.offer(held);
  }
}
