import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection, type Document, type OptionalId, type OptionalUnlessRequiredId, type UpdateFilter } from 'mongodb';

/**
 * Statements per command. FerretDB 1.x keeps each update statement's read
 * (one of its 100 SQLite connections) open until the whole command ends: one
 * command of a few hundred updates would take every connection and stall the
 * server (seen at 200 msg/s), so commands stay short.
 */
const MAX_BATCH = 20;

/**
 * A batch still unanswered after this long no longer holds the ones queued
 * behind it: they go on their own, so one stuck command cannot stop every
 * write to the collection (its own callers still wait for it, as they would
 * for a lone write).
 */
const STALL_MS = 2_000;

/**
 * Inserts per command. FerretDB writes all of one insert command's documents in one transaction, holding
 * no connection per document, so inserts are not bound by MAX_BATCH: under load a batch of thread
 * entries, messages or audit events takes everything that queued while the previous one was on its way.
 */
const MAX_INSERTS = 500;

/** How many of the first waiting writes go in the next command: inserts up to MAX_INSERTS, else MAX_BATCH. */
function batchLength<T extends Document>(waiting: Array<Waiting<T>>): number {
  let n = 0;
  while (n < waiting.length && n < MAX_INSERTS && 'insertOne' in waiting[n]!.op) n++;
  return n >= MAX_BATCH ? n : Math.min(MAX_BATCH, waiting.length);
}

interface Waiting<T extends Document> {
  op: AnyBulkWriteOperation<T>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Writes to one collection the way a database does group commit: while a
 * write is on its way, new ones wait, then go together as one unordered bulk
 * write. At low load each write goes alone at once (nothing is delayed on a
 * timer); under load batches grow by themselves, and a write costs a fraction
 * of a round trip in the driver and the server — which is where the ingest
 * path spends its CPU when it is busiest.
 *
 * Each caller gets its own outcome: an insert that hit a unique index is
 * rejected with that error (code 11000, as `insertOne` would), the others in
 * its batch are written. A failure of the whole command (network) rejects
 * every write of the batch; as with a lone write, some may nevertheless have
 * been applied, so callers retry only writes that are safe to repeat (unique
 * keys, idempotent updates). Writes are sent in the order they were queued.
 * Bookkeeping written in the background (not awaited by its caller) is
 * waited for with `settled` (shutdown, tests).
 */
export class WriteBatcher<T extends Document> {
  private readonly waiting: Array<Waiting<T>> = [];
  /** Commands on their way (or stalled, see STALL_MS, and no longer counted). */
  private active = 0;
  private lingering = false;
  private readonly unanswered = new Set<Promise<void>>();

  /**
   * `lingerMs`: for bookkeeping nobody waits for (processed marks, audit seals), the first write
   * waits this long for company before it goes. Every command costs both processes a round trip of
   * CPU whatever it carries (about 0.3 ms in the hub and 0.45 ms in FerretDB, measured), and at a
   * few hundred messages a second there are too few writes in flight at once to batch by themselves.
   *
   * `inFlight`: commands that may be on their way at once (default 1). FerretDB runs each update
   * statement of a command as its own transaction, one after another, each waiting for SQLite's write
   * lock behind everything else; under load one command of 20 updates took 100–300 ms, and every write
   * queued behind it waited that long. With several on their way, updates wait for the lock side by
   * side. Writes still leave in the order they were queued, but may be answered out of order: only for
   * writes that do not depend on one another (the ticket touch runs under the ticket's lock).
   */
  constructor(
    private readonly collection: () => Collection<T>,
    private readonly options: { lingerMs?: number; inFlight?: number } = {},
  ) {}

  insert(document: OptionalUnlessRequiredId<T>): Promise<void> {
    return this.enqueue({ insertOne: { document: document as OptionalId<T> } });
  }

  /** Updates by `_id` only: the one filter FerretDB answers from an index. */
  updateById(id: T['_id'], update: UpdateFilter<T>): Promise<void> {
    return this.enqueue({ updateOne: { filter: { _id: id } as never, update } });
  }

  /** Resolves once every write queued so far (and any queued meanwhile) has been answered, well or not. */
  async settled(): Promise<void> {
    while (this.unanswered.size) await Promise.allSettled([...this.unanswered]);
  }

  private enqueue(op: AnyBulkWriteOperation<T>): Promise<void> {
    const answered = new Promise<void>((resolve, reject) => {
      this.waiting.push({ op, resolve, reject });
      this.pump(false);
    });
    this.unanswered.add(answered);
    const forget = () => void this.unanswered.delete(answered);
    answered.then(forget, forget);
    return answered;
  }

  /** Sends what waits while a command slot is free; `lingered`: the linger before this batch is over. */
  private pump(lingered: boolean): void {
    const slots = this.options.inFlight ?? 1;
    while (this.waiting.length && this.active < slots && !this.lingering) {
      const linger = this.options.lingerMs;
      if (linger && !lingered && this.waiting.length < MAX_BATCH) {
        this.lingering = true;
        setTimeout(() => {
          this.lingering = false;
          this.pump(true);
        }, linger);
        return;
      }
      lingered = false;
      this.active++;
      let freed = false;
      const free = () => {
        if (freed) return;
        freed = true;
        this.active--;
        this.pump(false);
      };
      // A command still unanswered after STALL_MS gives its slot to the writes behind it.
      const timer = setTimeout(free, STALL_MS);
      timer.unref();
      const batch = this.waiting.splice(0, batchLength(this.waiting));
      void this.send(batch)
        .catch((err: unknown) => {
          for (const w of batch) w.reject(err);
        })
        .finally(() => {
          clearTimeout(timer);
          free();
        });
    }
  }

  private async send(batch: Array<Waiting<T>>): Promise<void> {
    // Undefined optional fields are left out, as mongoose would (the driver would store null).
    const options = { ignoreUndefined: true };
    const collection = this.collection();
    if (batch.length === 1) {
      // Alone: the plain command (a bulk write costs more in the driver for one statement).
      const [{ op, resolve, reject }] = batch as [Waiting<T>];
      const sent =
        'insertOne' in op
          ? collection.insertOne(op.insertOne.document as OptionalUnlessRequiredId<T>, options)
          : 'updateOne' in op
            ? collection.updateOne(op.updateOne.filter, op.updateOne.update, options)
            : collection.bulkWrite([op], options);
      await sent.then(() => resolve(), reject);
      return;
    }
    try {
      await collection.bulkWrite(
        batch.map((w) => w.op),
        { ...options, ordered: false },
      );
      for (const w of batch) w.resolve();
    } catch (err) {
      const writeErrors = err instanceof MongoBulkWriteError ? [err.writeErrors].flat() : [];
      if (writeErrors.length === 0) {
        for (const w of batch) w.reject(err);
        return;
      }
      const failed = new Map(writeErrors.map((e) => [e.index, e]));
      batch.forEach((w, i) => {
        const e = failed.get(i);
        if (!e) w.resolve();
        else w.reject(Object.assign(new Error(e.errmsg ?? 'write failed'), { code: e.code }));
      });
    }
  }
}
