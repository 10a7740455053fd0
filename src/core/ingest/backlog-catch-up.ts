import type { Logger } from 'pino';

/** One stored event left pending (by a crash), in the order it was received. */
export interface BacklogEntry {
  providerKey: string;
  /** The ordering key (`conv:<inbox>:<conversation>`, …): events of one key are processed in order. */
  key: string;
}

export interface BacklogProgress {
  /** Catch-up still running (listing or processing). */
  catchingUp: boolean;
  /** Still listing what is pending (one query): `total` is not known yet. */
  listing: boolean;
  /** Events found pending at start (plus live events of a conversation still behind). */
  total: number;
  /** Of those, processed (or given up for now: a failure is retried like any other). */
  done: number;
  /** Still to do. */
  pending: number;
}

/** Conversations catching up at once: enough to keep the database busy, few enough to leave room for live traffic. */
const CONVERSATIONS_AT_ONCE = 4;
const PROGRESS_EVERY_MS = 5_000;

/**
 * Processes, in the background, what a crash left pending, so the hub serves HTTP at once instead of after the
 * backlog (a kill -9 with 100 events pending kept it unreachable for 150 s). One conversation's events stay in
 * order: while a conversation is behind, its live events join the end of its backlog instead of overtaking it;
 * other conversations' live events are processed as usual. Live events that arrive while the backlog is still
 * being listed wait for the list (that takes one query).
 */
export class BacklogCatchUp {
  private readonly behind = new Map<string, string[]>();
  private readonly listed = new Set<string>();
  private held: Array<{ entry: BacklogEntry; schedule: () => void }> | undefined;
  private stopping = false;
  private finished = false;
  private running: Promise<void> | undefined;
  private total = 0;
  private done = 0;

  constructor(
    /** Lists every pending event, oldest first. */
    private readonly list: () => Promise<BacklogEntry[]>,
    /** Processes one stored event in its key's queue; never rejects. */
    private readonly process: (entry: BacklogEntry) => Promise<void>,
    private readonly logger: Logger,
  ) {}

  /** Starts catching up (once); returns at once. */
  start(): void {
    if (this.running) return;
    this.held = [];
    this.running = this.run().catch((err: unknown) => {
      this.logger.error({ err }, 'catch-up failed; the periodic sweep finishes the backlog');
      this.releaseHeld();
    });
  }

  /**
   * For a live event: true when the catch-up takes it (its conversation is behind, or the backlog is still being
   * listed); `schedule` is called later if the catch-up decides the event may go its usual way after all.
   */
  offer(entry: BacklogEntry, schedule: () => void): boolean {
    if (this.held) {
      this.held.push({ entry, schedule });
      return true;
    }
    const queue = this.behind.get(entry.key);
    if (!queue) return false;
    queue.push(entry.providerKey);
    this.total++;
    return true;
  }

  progress(): BacklogProgress {
    const catchingUp = this.running !== undefined && !this.finished;
    const listing = catchingUp && this.held !== undefined;
    return { catchingUp, listing, total: this.total, done: this.done, pending: this.total - this.done };
  }

  /** Resolves when the catch-up has finished (or stopped). */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Lets the conversations being processed finish their current event and stops. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
  }

  private async run(): Promise<void> {
    const started = Date.now();
    const entries = await this.list();
    for (const e of entries) {
      this.listed.add(e.providerKey);
      const queue = this.behind.get(e.key);
      if (queue) queue.push(e.providerKey);
      else this.behind.set(e.key, [e.providerKey]);
    }
    this.total = entries.length;
    this.releaseHeld();
    if (entries.length) {
      const counts = { pending: entries.length, conversations: this.behind.size };
      this.logger.info(counts, 'catching up with inbound events left pending');
    }
    const ticker = setInterval(() => this.logger.info(this.progress(), 'catch-up progress'), PROGRESS_EVERY_MS);
    ticker.unref();
    try {
      const keys = [...this.behind.keys()];
      const worker = async () => {
        for (let key = keys.shift(); key !== undefined && !this.stopping; key = keys.shift()) {
          await this.conversation(key);
        }
      };
      await Promise.all(Array.from({ length: CONVERSATIONS_AT_ONCE }, worker));
    } finally {
      clearInterval(ticker);
      this.finished = true;
    }
    if (this.total) {
      const seconds = (Date.now() - started) / 1000;
      this.logger.info({ processed: this.done, seconds, stopped: this.stopping }, 'caught up');
    }
  }

  /** One conversation's backlog, in order, including live events that joined it meanwhile. */
  private async conversation(key: string): Promise<void> {
    const queue = this.behind.get(key)!;
    while (queue.length && !this.stopping) {
      const providerKey = queue.shift()!;
      await this.process({ providerKey, key });
      this.done++;
    }
    // Later live events of this conversation go the usual way (after whatever is still in its key's queue).
    if (!queue.length) this.behind.delete(key);
  }

  /** Live events held while the backlog was listed: they join their conversation's backlog or go their way. */
  private releaseHeld(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const { entry, schedule } of held) {
      if (this.listed.has(entry.providerKey)) continue; // already in the backlog, as a stored pending event
      if (!this.offer(entry, schedule)) schedule();
    }
  }
}
