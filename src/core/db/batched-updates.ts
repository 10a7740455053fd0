import type { AnyBulkWriteOperation, Collection, Document, UpdateFilter } from 'mongodb';
import type { Logger } from 'pino';
import { withTransientRetry } from './transient-retry.js';

const MAX_DELAY_MS = 5_000;
/**
 * Statements per update command. FerretDB 1.x keeps each statement's read
 * cursor (one SQLite connection of its 100) open until the whole command
 * ends: one command of a few hundred updates would take every connection and
 * stall the server.
 */
const MAX_STATEMENTS = 20;

/**
 * Bookkeeping updates by `_id` that may land a few milliseconds late, sent as
 * one unordered bulk write per flush instead of one round trip each: on the
 * ingest hot path every round trip costs CPU in the driver and the server.
 * Only for updates whose delay or loss in a crash is harmless — the caller's
 * data is already written and a re-run would repeat the update (the inbound
 * event's "processed" mark). Of two updates queued for one `_id` before a
 * flush, the later wins.
 */
export class BatchedUpdates<T extends Document> {
  private pending = new Map<string, UpdateFilter<T>>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failures = 0;

  constructor(
    private readonly collection: Collection<T>,
    private readonly logger: Logger,
    private readonly options: { delayMs?: number } = {},
  ) {}

  queue(id: string, update: UpdateFilter<T>): void {
    this.pending.set(id, update);
    this.schedule(this.options.delayMs ?? 10);
  }

  /** Writes everything queued so far (shutdown, tests). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    this.flushing = this.writeBatch().finally(() => {
      this.flushing = undefined;
    });
    await this.flushing;
  }

  get size(): number {
    return this.pending.size;
  }

  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => undefined); // logged in writeBatch
    }, delayMs);
    this.timer.unref();
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    const ops = [...batch].map(
      ([id, update]): AnyBulkWriteOperation<T> => ({
        updateOne: { filter: { _id: id } as never, update },
      }),
    );
    try {
      for (let i = 0; i < ops.length; i += MAX_STATEMENTS) {
        const chunk = ops.slice(i, i + MAX_STATEMENTS);
        await withTransientRetry(() => this.collection.bulkWrite(chunk, { ordered: false }));
      }
      this.failures = 0;
    } catch (err) {
      // Put the batch back under anything queued meanwhile and try again later.
      for (const [id, update] of batch) {
        if (!this.pending.has(id)) this.pending.set(id, update);
      }
      this.failures++;
      const retryInMs = Math.min(MAX_DELAY_MS, 100 * 2 ** Math.min(this.failures, 6));
      this.logger.error({ err, collection: this.collection.collectionName, updates: batch.size, retryInMs }, 'batched bookkeeping updates failed; will retry');
      this.schedule(retryInMs);
      throw err;
    }
  }
}
