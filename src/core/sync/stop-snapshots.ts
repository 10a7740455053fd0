import { randomUUID } from 'node:crypto';
import { Binary, BSON } from 'mongodb';
import type { Connection } from 'mongoose';
import type { Logger } from 'pino';

/** Where the snapshots live: a head document and the chunks it names. */
const COLLECTION = 'stop_snapshots';
const HEAD_ID = 'head';
/** Raise when the shape of any part changes: a head of another version is discarded, never read. */
export const SNAPSHOT_VERSION = 1;
/** Items per chunk document, at most; a chunk whose BSON passes CHUNK_BYTES is split (documents stop at 16 MiB). */
const CHUNK_ITEMS = 10_000;
const CHUNK_BYTES = 8 * 1024 * 1024;

interface Head {
  _id: typeof HEAD_ID;
  version: number;
  generation: string;
  writtenAt: Date;
  /** Chunk count per part (a list: part names have dots, which keys may not). */
  parts: Array<{ name: string; chunks: number }>;
}

/** A head or a chunk, keyed by a string. */
interface SnapshotDocument {
  _id: string;
  [field: string]: unknown;
}

/**
 * A chunk holds its items as one BSON blob: the embedded FerretDB stores a document as JSON and parses it on every
 * write (its `_id` index) and read, which took 60–100 ms per chunk of 2,000 open-work entries as subdocuments —
 * a blob is one JSON string to it. BSON keeps the items' ObjectIds and dates as they were.
 */
interface Chunk {
  _id: string;
  bson: Binary;
}

/** The parts a clean stop wrote, by name; a part the stop left out (its owner was not ready) is absent. */
export type SnapshotParts = Map<string, unknown[]>;

/**
 * What this process holds in memory and a start otherwise rebuilds by reading whole collections — the
 * open-work projection and the contacts' order read every ticket and every contact, the ingest catch-up every
 * inbound event ever received: 18 s, a few seconds and 16.5 s of the embedded FerretDB at 50,000 tickets, while
 * inbox lists and live messages waited — written at a clean stop and taken by the next start.
 *
 * Only for a process that owns its database (the embedded one): nobody else writes it, so what this process
 * knew at its stop is what is stored. The head is written last (a stop cut short leaves no head, and the start
 * rebuilds) and removed before the start reads anything else, so a snapshot is used at most once: a crash later
 * cannot bring back state older than its own writes. Owners still verify what they restore, in the background.
 */
export class StopSnapshots {
  constructor(
    private readonly connection: Connection,
    private readonly logger: Logger,
  ) {}

  private collection() {
    return this.connection.db!.collection<SnapshotDocument>(COLLECTION);
  }

  /** Writes `parts` (chunks first, the head last). Failures are logged: the next start rebuilds. */
  async write(parts: Record<string, unknown[] | undefined>): Promise<void> {
    const t0 = performance.now();
    try {
      // The chunks of the snapshot this process's start took go now, with anything a stop cut short left.
      await this.discard();
      const generation = randomUUID();
      const counts: Head['parts'] = [];
      for (const [name, items] of Object.entries(parts)) {
        if (!items) continue;
        const blobs: Buffer[] = [];
        for (let i = 0; i * CHUNK_ITEMS < items.length || i === 0; i++) blobs.push(...pack(items.slice(i * CHUNK_ITEMS, (i + 1) * CHUNK_ITEMS)));
        // One chunk per command: up to CHUNK_BYTES for the database to write in one go.
        for (const [i, blob] of blobs.entries()) {
          const chunk: Chunk = { _id: chunkId(generation, name, i), bson: new Binary(blob) };
          await this.collection().insertOne({ ...chunk });
        }
        counts.push({ name, chunks: blobs.length });
      }
      const head: Head = { _id: HEAD_ID, version: SNAPSHOT_VERSION, generation, writtenAt: new Date(), parts: counts };
      await this.collection().insertOne({ ...head });
      this.logger.info({ parts: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v?.length ?? 'left out'])), ms: Math.round(performance.now() - t0) }, 'stop snapshot written');
    } catch (err) {
      this.logger.error({ err }, 'stop snapshot not written; the next start rebuilds from the collections');
    }
  }

  /**
   * The parts of the last clean stop's snapshot, removed first (a snapshot serves one start); undefined when
   * there is none, it is of another version, or it cannot be read whole. Its chunks, no longer named by any
   * head, stay until this process's clean stop (`write` removes them before writing its own; after a crash,
   * the next clean stop does). Removed while the hub serves, each delete made the embedded database read the
   * chunk whole inside its write lock: 16 chunks at 50,000 tickets took 2.4 s (up to 425 ms each), and live
   * messages waited up to 1.5 s behind them.
   */
  take(): Promise<SnapshotParts | undefined> {
    return this.takeInStages([]).all;
  }

  /**
   * `take`, in two stages: `first` holds only the parts named in `firstParts`, read before the others (small
   * ones the start waits on: the pending inbound events, which hold every live event until listed); `all`
   * holds every part. A part that cannot be read makes `all` undefined; `first` keeps what it already had.
   */
  takeInStages(firstParts: string[]): { first: Promise<SnapshotParts | undefined>; all: Promise<SnapshotParts | undefined> } {
    let firstDone!: (parts: SnapshotParts | undefined) => void;
    const first = new Promise<SnapshotParts | undefined>((resolve) => (firstDone = resolve));
    const all = this.read(firstParts, (parts) => firstDone(parts));
    // Settles `first` when the read ended before it did (no snapshot, another version, an error): a no-op otherwise.
    void all.then(
      () => firstDone(undefined),
      () => firstDone(undefined),
    );
    return { first, all };
  }

  private async read(firstParts: string[], onFirst: (parts: SnapshotParts) => void): Promise<SnapshotParts | undefined> {
    const t0 = performance.now();
    const head = (await this.collection().findOneAndDelete({ _id: HEAD_ID })) as unknown as Head | null;
    if (!head) return undefined;
    try {
      if (head.version !== SNAPSHOT_VERSION) {
        this.logger.info({ version: head.version }, 'stop snapshot of another version ignored');
        return undefined;
      }
      const parts: SnapshotParts = new Map();
      const ordered = [...head.parts.filter((p) => firstParts.includes(p.name)), ...head.parts.filter((p) => !firstParts.includes(p.name))];
      let early = ordered.filter((p) => firstParts.includes(p.name)).length;
      if (early === 0) onFirst(new Map());
      for (const { name, chunks: count } of ordered) {
        const items: unknown[] = [];
        for (let i = 0; i < count; i++) {
          const chunk = (await this.collection().findOne({ _id: chunkId(head.generation, name, i) })) as unknown as Chunk | null;
          if (!chunk) throw new Error(`stop snapshot chunk ${name}:${i} missing`);
          const unpacked = BSON.deserialize(chunk.bson.buffer) as { items?: unknown };
          if (!Array.isArray(unpacked.items)) throw new Error(`stop snapshot chunk ${name}:${i} malformed`);
          for (const item of unpacked.items as unknown[]) items.push(item);
        }
        parts.set(name, items);
        if (firstParts.includes(name) && --early === 0) onFirst(new Map(parts));
      }
      this.logger.info({ parts: Object.fromEntries([...parts].map(([k, v]) => [k, v.length])), writtenAt: head.writtenAt, ms: Math.round(performance.now() - t0) }, 'stop snapshot taken');
      return parts;
    } catch (err) {
      this.logger.warn({ err }, 'stop snapshot unreadable; rebuilding from the collections');
      return undefined;
    }
  }

  /** Removes every snapshot: a start that does not own the database, or before writing a new one. */
  async discard(): Promise<void> {
    await this.collection().deleteMany({});
  }
}

/** The items as BSON blobs of at most CHUNK_BYTES (halved until they fit). */
function pack(items: unknown[]): Buffer[] {
  let blob: Buffer | undefined;
  try {
    blob = Buffer.from(BSON.serialize({ items }, { ignoreUndefined: true }));
  } catch (err) {
    // Past the serializer's own buffer (17 MiB): split, unless one item alone is too large to store.
    if (!(err instanceof RangeError) || items.length <= 1) throw err;
  }
  if (blob && (blob.length <= CHUNK_BYTES || items.length <= 1)) return [blob];
  const half = Math.ceil(items.length / 2);
  return [...pack(items.slice(0, half)), ...pack(items.slice(half))];
}

const chunkId = (generation: string, part: string, i: number) => `${generation}:${part}:${i}`;
