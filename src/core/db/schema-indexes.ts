import type { Connection, Model } from 'mongoose';

/** True when the server is FerretDB (its buildInfo carries `ferretdbVersion`). Asked once per connection. */
const ferretCache = new WeakMap<Connection, Promise<boolean>>();
export function isFerretDb(connection: Connection): Promise<boolean> {
  let answer = ferretCache.get(connection);
  if (!answer) {
    answer = connection
      .db!.admin()
      .command({ buildInfo: 1 })
      .then((info) => typeof info.ferretdbVersion === 'string');
    ferretCache.set(connection, answer);
  }
  return answer;
}

/**
 * Creates a model's schema indexes. On MongoDB: all of them. On FerretDB 1.x
 * (SQLite backend) only the unique ones, and an older non-unique one is
 * dropped: that server answers every query but a plain `_id` equality by
 * scanning, so a non-unique index is never read, yet each one is evaluated
 * (a JSON parse of the document) on every insert and update. Unique indexes
 * stay everywhere: they are how dedupe and identities hold under races.
 */
export async function createSchemaIndexes(model: Model<any>): Promise<void> {
  const ferret = await isFerretDb(model.db);
  if (!ferret) {
    await model.createIndexes();
    return;
  }
  const wanted = model.schema.indexes().filter(([, options]) => options?.unique === true);
  for (const [fields, options] of wanted) await model.collection.createIndex(fields as Record<string, 1 | -1>, options as object);
  const existing = await model.collection.indexes().catch(() => []);
  for (const index of existing) {
    if (index.name && index.name !== '_id_' && !index.unique) await model.collection.dropIndex(index.name);
  }
}
