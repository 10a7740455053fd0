import type { AnyBulkWriteOperation, Db, Document, IndexDescription } from 'mongodb';
import type { Logger } from '../logging/logger.js';
import { checkMigrationTarget, MARKER_COLLECTION } from './migration-target.js';

/**
 * Copies every collection of one database into another (GridFS buckets are two ordinary collections,
 * `<bucket>.files` and `<bucket>.chunks`, so files come along), then compares the counts.
 *
 * Resumable and never duplicating: documents are read by `_id` ascending and written as upserts by
 * `_id` (replaceOne), so a re-run after an interruption finishes the copy, rewrites what was already
 * there with the same content, and picks up documents changed since. Run it with the hub stopped;
 * whatever the hub writes meanwhile is caught by running it again.
 */

export interface CollectionReport {
  name: string;
  source: number;
  target: number;
  written: number;
  ok: boolean;
}

export interface MigrationReport {
  collections: CollectionReport[];
  ok: boolean;
}

const INDEX_OPTIONS = ['unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds', 'collation'] as const;

async function copyIndexes(source: Db, target: Db, name: string, log: Logger): Promise<void> {
  const indexes = await source.collection(name).listIndexes().toArray();
  for (const index of indexes) {
    if (index.name === '_id_') continue;
    const spec: IndexDescription = { key: index.key as IndexDescription['key'], name: String(index.name) };
    for (const option of INDEX_OPTIONS) if (index[option] !== undefined) (spec as unknown as Record<string, unknown>)[option] = index[option];
    try {
      await target.collection(name).createIndexes([spec]);
    } catch (err) {
      // An index of the same name with other options (created by a newer hub): the hub recreates its own at start.
      log.warn({ err, collection: name, index: index.name }, 'index not copied');
    }
  }
}

/**
 * Statements per write command. FerretDB 1.x holds one of its 100 SQLite connections per update statement until
 * the command ends, so a command of more than 100 replacements of documents the target already has (a resumed
 * copy) waited forever for a connection — found when the search postings, sharded, passed 100 documents.
 */
const WRITE_STATEMENTS = 50;

async function copyDocuments(source: Db, target: Db, name: string, batchSize: number, log: Logger): Promise<number> {
  let written = 0;
  let batch: AnyBulkWriteOperation<Document>[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    await target.collection(name).bulkWrite(batch, { ordered: false });
    written += batch.length;
    batch = [];
  };
  let lastLog = Date.now();
  for await (const doc of source.collection(name).find({}).sort({ _id: 1 }).batchSize(batchSize)) {
    batch.push({ replaceOne: { filter: { _id: doc._id }, replacement: doc, upsert: true } });
    if (batch.length >= Math.min(batchSize, WRITE_STATEMENTS)) await flush();
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      log.info({ collection: name, written }, `copying ${name}: ${written} documents so far`);
    }
  }
  await flush();
  return written;
}

export async function migrateDatabase(opts: { source: Db; target: Db; logger: Logger; batchSize?: number }): Promise<MigrationReport> {
  const { source, target } = opts;
  const log = opts.logger;
  const batchSize = opts.batchSize ?? 500;
  await checkMigrationTarget(source, target);
  const infos = await source.listCollections({}, { nameOnly: false }).toArray();
  const names = infos
    .filter((c) => c.type !== 'view' && !c.name.startsWith('system.'))
    .map((c) => c.name)
    // The marker first: a copy interrupted after any data arrived is recognised as this source's when resumed.
    .sort((a, b) => Number(b === MARKER_COLLECTION) - Number(a === MARKER_COLLECTION) || (a < b ? -1 : a > b ? 1 : 0));
  const existing = new Set((await target.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  const collections: CollectionReport[] = [];
  for (const name of names) {
    if (!existing.has(name)) await target.createCollection(name);
    await copyIndexes(source, target, name, log);
    const started = Date.now();
    const written = await copyDocuments(source, target, name, batchSize, log);
    const [sourceCount, targetCount] = await Promise.all([source.collection(name).countDocuments({}), target.collection(name).countDocuments({})]);
    const ok = sourceCount === targetCount;
    collections.push({ name, source: sourceCount, target: targetCount, written, ok });
    log.info({ collection: name, source: sourceCount, target: targetCount, ms: Date.now() - started }, `${ok ? 'copied' : 'COUNT MISMATCH'} ${name}: ${sourceCount} → ${targetCount}`);
  }
  return { collections, ok: collections.every((c) => c.ok) };
}
