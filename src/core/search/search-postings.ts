import { Types, type Connection } from 'mongoose';
import { MongoBulkWriteError, type AnyBulkWriteOperation, type Collection } from 'mongodb';
import { idInServed } from '../db/id-in-served.js';

/**
 * The search index's storage: the ids of the tickets of a bucket whose text has a token starting with `key`,
 * per (key, bucket). A bucket is BUCKET_SIZE consecutive ticket numbers, so a posting stays small however
 * common its key, and a search reads newest buckets first and stops when it has a page. Every read is by
 * `_id` (a value, or an `$in` of values): what the embedded FerretDB's launcher serves from an index, and an
 * `_id` index lookup on MongoDB.
 *
 * `~b|<bucket>` marks that a bucket exists (readers probe upward from the highest they know).
 *
 * Each (key, bucket) is written in SHARDS documents, `<key>|<bucket>|<shard>` by the ticket id, and read whole
 * (the shards and the unsharded `<key>|<bucket>` an older version wrote, in one `$in` read). The embedded
 * FerretDB rewrites a whole document for every `$addToSet`: at 50,000 tickets a common key's document held
 * ~1,000 ids, and those rewrites held its write lock for most of each message's time (docs/benchmarks.md).
 */
export const BUCKET_SIZE = 1000;
export const SHARDS = 8;
/** Statements per command: FerretDB 1.x holds a connection per statement until the command ends (write-batcher.ts). */
const WRITE_CHUNK = 20;
/** New posting documents per insert command (FerretDB writes one insert command's documents in one transaction). */
const INSERT_CHUNK = 100;
/** Posting documents remembered as existing (see `existing`); ~80 bytes each. */
const EXISTING_MEMORY = 100_000;

export interface PostingDoc {
  _id: string;
  ids: Types.ObjectId[];
}

export const bucketOf = (ticketNumber: number) => Math.floor(ticketNumber / BUCKET_SIZE);
/** The ObjectId's last byte: its counter's, so consecutive tickets spread evenly. */
const shardOf = (ticketId: string) => Number.parseInt(ticketId.slice(-2), 16) % SHARDS;
const postingId = (key: string, bucket: number, shard: number) => `${key}|${bucket}|${shard}`;
const unshardedId = (key: string, bucket: number) => `${key}|${bucket}`;
const markerId = (bucket: number) => `~b|${bucket}`;

export class SearchPostings {
  private collection: Collection<PostingDoc> | undefined;
  /** Highest bucket known to exist (written here or found by a probe). */
  private topBucket = -1;
  /**
   * Posting documents known to exist. A key not known is inserted first: on the embedded FerretDB a batch of
   * inserts costs ~45 µs a document against ~300–600 µs for each upsert (every update statement is its own
   * transaction there), and most keys of a burst are new (a ticket number, a name, a new word). One that
   * exists after all (a duplicate key) is updated instead, and remembered. Bounded: when full it starts empty.
   */
  private readonly existing = new Set<string>();

  constructor(private readonly connection: Connection) {}

  private coll(): Collection<PostingDoc> {
    if (!this.collection) {
      const db = this.connection.db;
      if (!db) throw new Error('search postings used before the connection is open');
      this.collection = db.collection<PostingDoc>('search_postings');
    }
    return this.collection;
  }

  /**
   * Adds ticket ids under keys of one bucket each. `$addToSet` makes a repeated write harmless (a retry after
   * a failed command writes the same again).
   */
  async add(byKey: Array<{ key: string; bucket: number; ticketIds: string[] }>): Promise<void> {
    const buckets = new Set(byKey.map((e) => e.bucket));
    const entries = byKey.flatMap(({ key, bucket, ticketIds }) => {
      const shards = new Map<number, string[]>();
      for (const id of ticketIds) shards.set(shardOf(id), [...(shards.get(shardOf(id)) ?? []), id]);
      return [...shards].map(([shard, ids]) => ({ id: postingId(key, bucket, shard), ticketIds: ids }));
    });
    const updates: AnyBulkWriteOperation<PostingDoc>[] = [...buckets]
      .filter((b) => b > this.topBucket)
      .map((b) => ({ updateOne: { filter: { _id: markerId(b) }, update: { $set: { ids: [] } }, upsert: true } }));
    const addTo = (e: { id: string; ticketIds: string[] }): AnyBulkWriteOperation<PostingDoc> => ({
      updateOne: {
        filter: { _id: e.id },
        update: { $addToSet: { ids: { $each: e.ticketIds.map((id) => new Types.ObjectId(id)) } } },
        upsert: true,
      },
    });
    const fresh = entries.filter((e) => !this.existing.has(e.id));
    for (const e of entries) if (this.existing.has(e.id)) updates.push(addTo(e));
    for (let i = 0; i < fresh.length; i += INSERT_CHUNK) {
      const chunk = fresh.slice(i, i + INSERT_CHUNK);
      const taken = await this.insertNew(chunk);
      for (const k of taken) updates.push(addTo(chunk[k]!));
    }
    for (let i = 0; i < updates.length; i += WRITE_CHUNK) {
      await this.coll().bulkWrite(updates.slice(i, i + WRITE_CHUNK), { ordered: false });
    }
    for (const e of entries) this.remember(e.id);
    for (const b of buckets) this.topBucket = Math.max(this.topBucket, b);
  }

  /** Inserts postings as new documents; returns the indexes of those that existed already (to be updated). */
  private async insertNew(chunk: Array<{ id: string; ticketIds: string[] }>): Promise<number[]> {
    const docs = chunk.map((e) => ({ _id: e.id, ids: [...new Set(e.ticketIds)].map((id) => new Types.ObjectId(id)) }));
    try {
      await this.coll().insertMany(docs, { ordered: false });
      return [];
    } catch (err) {
      const errors = writeErrorsOf(err);
      if (!errors || errors.some((w) => w.code !== 11000)) throw err;
      return errors.map((w) => w.index);
    }
  }

  private remember(id: string): void {
    if (this.existing.size >= EXISTING_MEMORY) this.existing.clear();
    this.existing.add(id);
  }

  /** The highest existing bucket (-1: nothing indexed yet); probes upward by `_id` from the highest known. */
  async highestBucket(): Promise<number> {
    while (await this.coll().findOne({ _id: markerId(this.topBucket + 1) }, { projection: { _id: 1 } })) this.topBucket++;
    return this.topBucket;
  }

  /** Ticket ids under `key` in `bucket` ([] when none): its shards and the unsharded document, in one read. */
  async read(key: string, bucket: number): Promise<string[]> {
    const ids = [unshardedId(key, bucket), ...Array.from({ length: SHARDS }, (_, shard) => postingId(key, bucket, shard))];
    const docs = (await idInServed(this.connection))
      ? await this.coll().find({ _id: { $in: ids } }).toArray()
      : await Promise.all(ids.map((_id) => this.coll().findOne({ _id })));
    return [...new Set(docs.flatMap((doc) => (doc ? doc.ids.map(String) : [])))];
  }

  async hasMarker(name: string): Promise<boolean> {
    return (await this.coll().findOne({ _id: `~${name}` }, { projection: { _id: 1 } })) !== null;
  }

  async setMarker(name: string): Promise<void> {
    await this.coll().updateOne({ _id: `~${name}` }, { $set: { ids: [] } }, { upsert: true });
  }
}

/** The per-document errors of an unordered insert (undefined: the command failed as a whole). */
function writeErrorsOf(err: unknown): Array<{ index: number; code: number }> | undefined {
  if (!(err instanceof MongoBulkWriteError)) return undefined;
  const list = Array.isArray(err.writeErrors) ? err.writeErrors : [err.writeErrors];
  return list.length ? list.map((w) => ({ index: w.index, code: w.code })) : undefined;
}
