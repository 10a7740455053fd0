import type { Collection, Document } from 'mongodb';
import type { Model } from 'mongoose';

const cache = new WeakMap<Model<never>, Collection<Document>>();

/**
 * The driver's collection behind a model, for the ingest hot path: a query
 * through mongoose costs about twice the client CPU of the same command sent
 * by the driver (query building, casting, hydration, the buffering wrapper).
 * Only for documents built whole in typed code and reads by `_id`; everything
 * else keeps the model's casting and validation. The model's connection must
 * be open (the core is started).
 */
export function rawCollection<T extends Document>(model: Model<T>): Collection<T> {
  const key = model as unknown as Model<never>;
  let collection = cache.get(key);
  if (!collection) {
    const db = model.db.db;
    if (!db) throw new Error(`rawCollection(${model.modelName}) before the connection is open`);
    collection = db.collection(model.collection.collectionName);
    cache.set(key, collection);
  }
  return collection as unknown as Collection<T>;
}
