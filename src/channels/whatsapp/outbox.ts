import type { SendResult } from '../../core/domain/channel-adapter.js';
import { ChannelWaitError, type ChannelError } from '../../core/errors/app-error.js';

/**
 * Replies waiting for the WhatsApp session, sent one at a time in the order they were written (by key).
 *
 * The delivery worker calls `send` once per attempt. While the session is not ready a reply waits here up
 * to `waitMs`; then the caller gets a retryable `NOT_READY` — but the entry stays in its place ("parked"), so
 * the worker's next attempt re-attaches to it instead of queueing behind later replies, and a parked entry
 * sent meanwhile hands the retry its result instead of being sent twice. An entry is only given up once
 * nobody has asked for it for `holdMs` (the worker has stopped retrying it).
 */
export interface OutboxOptions {
  waitMs: number;
  holdMs: number;
  /** How long a result is remembered for a retry that comes after the send. */
  resultTtlMs?: number;
  /** When the delivery worker should come back after a NOT_READY. */
  retryAfterMs?: number;
}

type Deliver = () => Promise<SendResult>;

interface Entry {
  key: string;
  deliver: Deliver;
  waiters: Array<{ resolve: (r: SendResult) => void; reject: (e: unknown) => void }>;
  /** When the last caller stopped waiting (parked), or undefined while someone waits. */
  parkedAt?: number;
  inFlight: boolean;
}

export class Outbox {
  private readonly entries: Entry[] = [];
  private readonly results = new Map<string, { result: SendResult; at: number }>();
  private ready = false;
  private pumping = false;

  constructor(private readonly options: OutboxOptions) {}

  get pending(): number {
    return this.entries.length;
  }

  /** Queues (or re-attaches to) the send keyed `key`; resolves with its result or rejects (NOT_READY, send error). */
  submit(key: string, deliver: Deliver): Promise<SendResult> {
    const known = this.results.get(key);
    if (known) return Promise.resolve(known.result);
    let entry = this.entries.find((e) => e.key === key);
    if (!entry) {
      entry = { key, deliver, waiters: [], inFlight: false };
      // Keys are the core's message ids (ObjectIds: creation order). Delivery jobs reach this process in any
      // order (concurrent jobs, retries bounced off other hub processes), so a reply takes its place by key
      // — never ahead of a send already under way.
      const from = this.entries.findIndex((e) => !e.inFlight);
      const at = from < 0 ? -1 : this.entries.findIndex((e, i) => i >= from && e.key > key);
      if (at < 0) this.entries.push(entry);
      else this.entries.splice(at, 0, entry);
    }
    const target = entry;
    target.parkedAt = undefined;
    const result = new Promise<SendResult>((resolve, reject) => {
      const waiter = { resolve, reject };
      target.waiters.push(waiter);
      const timer = setTimeout(() => {
        // A send already under way is waited for: giving up on it now could send it twice.
        if (target.inFlight) return;
        target.waiters = target.waiters.filter((w) => w !== waiter);
        if (target.waiters.length === 0) target.parkedAt = Date.now();
        reject(new ChannelWaitError('NOT_READY', 'WhatsApp session is not connected; the reply waits in order', this.options.retryAfterMs ?? 5_000));
      }, this.options.waitMs);
      timer.unref();
      const clear = () => clearTimeout(timer);
      waiter.resolve = (r) => (clear(), resolve(r));
      waiter.reject = (e) => (clear(), reject(e));
    });
    this.pump();
    return result;
  }

  /** The session is ready: send everything held, in order. */
  open(): void {
    this.ready = true;
    this.pump();
  }

  /** The session went away: hold what comes next. */
  close(): void {
    this.ready = false;
  }

  /** This process no longer runs the session: every waiting reply is told to try again (elsewhere). */
  abandon(error: ChannelError): void {
    this.ready = false;
    // A send under way finishes and answers its caller itself: told "elsewhere" now, it could go out twice.
    const waiting = this.entries.filter((e) => !e.inFlight);
    this.entries.splice(0, this.entries.length, ...this.entries.filter((e) => e.inFlight));
    for (const entry of waiting) for (const w of entry.waiters) w.reject(error);
  }

  private pump(): void {
    if (this.pumping || !this.ready) return;
    this.pumping = true;
    void this.drain().finally(() => {
      this.pumping = false;
      // Something may have arrived (or the session come back) between the last check and now.
      if (this.ready && this.entries.some((e) => !this.expired(e))) this.pump();
    });
  }

  private async drain(): Promise<void> {
    while (this.ready) {
      const entry = this.entries[0];
      if (!entry) return;
      if (this.expired(entry)) {
        this.entries.shift();
        continue;
      }
      entry.inFlight = true;
      try {
        const result = await entry.deliver();
        this.remember(entry.key, result);
        for (const w of entry.waiters) w.resolve(result);
      } catch (err) {
        // The worker decides what a failure means (retry with backoff, or failed); the next reply goes on.
        for (const w of entry.waiters) w.reject(err);
      } finally {
        this.entries.splice(this.entries.indexOf(entry), 1);
      }
    }
  }

  private expired(entry: Entry): boolean {
    return entry.parkedAt !== undefined && Date.now() - entry.parkedAt > this.options.holdMs;
  }

  private remember(key: string, result: SendResult): void {
    const now = Date.now();
    this.results.set(key, { result, at: now });
    const ttl = this.options.resultTtlMs ?? this.options.holdMs;
    for (const [k, v] of this.results) {
      if (now - v.at <= ttl) break;
      this.results.delete(k);
    }
  }
}
