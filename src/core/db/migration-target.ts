import { randomUUID } from 'node:crypto';
import type { Db } from 'mongodb';

/**
 * Which database a migration target's data came from. A copy into a MongoDB that already held other data (another
 * install, a test run, the wrong database name) used to merge both: the counts never matched ("run it again, it
 * resumes" — forever) and the hub then served the other data beside ours. Now a target with documents is taken
 * only when they came from this source: the source carries an id in `migration_source` (written once, the only
 * write a migration makes there), copied first, so a resumed copy finds its own id on the target.
 */
export const MARKER_COLLECTION = 'migration_source';
const MARKER_ID = 'source';

export class MigrationTargetError extends Error {
  override name = 'MigrationTargetError';
}

interface Marker {
  _id: string;
  id: string;
  createdAt: Date;
}

/** The source's id, created on its first migration. */
export async function sourceMarker(source: Db): Promise<Marker> {
  const markers = source.collection<Marker>(MARKER_COLLECTION);
  await markers.updateOne({ _id: MARKER_ID }, { $setOnInsert: { id: randomUUID(), createdAt: new Date() } }, { upsert: true });
  const marker = await markers.findOne({ _id: MARKER_ID });
  if (!marker) throw new Error(`${MARKER_COLLECTION} could not be written on the source`);
  return marker;
}

/** Refuses a source with nothing to copy, and a target holding documents that did not come from this source. */
export async function checkMigrationTarget(source: Db, target: Db): Promise<Marker> {
  const sourceHolds = await documentsPerCollection(source);
  if (sourceHolds.size === 0) {
    throw new MigrationTargetError(`the database to copy (${source.databaseName}) holds no data: is DATA_DIR (or MONGODB_URI) the one the hub runs on?`);
  }
  const marker = await sourceMarker(source);
  const targetHolds = await documentsPerCollection(target);
  if (targetHolds.size === 0) return marker;
  const theirs = await target.collection<Marker>(MARKER_COLLECTION).findOne({ _id: MARKER_ID });
  if (theirs?.id === marker.id) return marker; // an earlier, interrupted copy of this source: resume it
  const sample = [...targetHolds].slice(0, 5).map(([name, n]) => `${name} (${n})`).join(', ');
  throw new MigrationTargetError(
    `the target database ${target.databaseName} already holds data that did not come from this install: ${sample}${targetHolds.size > 5 ? ', …' : ''}.\n` +
      'Copy into an empty database (another name in the URI: mongodb://host:27017/<new name>), or empty this one first.',
  );
}

/** Collections (system ones and the marker aside) with at least one document, and how many. */
async function documentsPerCollection(db: Db): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const { name } of await db.listCollections({}, { nameOnly: true }).toArray()) {
    if (name.startsWith('system.') || name === MARKER_COLLECTION) continue;
    const n = await db.collection(name).estimatedDocumentCount();
    if (n > 0) out.set(name, n);
  }
  return out;
}
