import { Types, type Model } from 'mongoose';
import { idInServed, MAX_IDS_PER_IN } from './id-in-served.js';

/** Lookups sent at once where each id costs its own command: enough to keep the database busy, few enough to leave the pool to ingest. */
const WIDTH = 8;

/**
 * Documents by `_id`, in the order asked (`null` for one that does not exist): one `$in` read per 1,000 ids where
 * the server serves it by index (MongoDB; the embedded FerretDB's launcher), else one `_id` equality per id,
 * `width` at a time — a FerretDB that does not push `$in` down reads the whole collection for it.
 */
export async function findEachById<T>(
  model: Model<any>,
  ids: ReadonlyArray<Types.ObjectId | string>,
  opts: { projection?: Record<string, 1>; width?: number } = {},
): Promise<Array<T | null>> {
  if (ids.length === 0) return [];
  if (await idInServed(model.db)) {
    const byId = new Map<string, T>();
    const distinct = [...new Map(ids.map((id) => [key(id), id])).values()];
    for (let i = 0; i < distinct.length; i += MAX_IDS_PER_IN) {
      const docs = (await model.find({ _id: { $in: distinct.slice(i, i + MAX_IDS_PER_IN) } }, opts.projection).lean()) as Array<T & { _id: unknown }>;
      for (const doc of docs) byId.set(key(doc._id), doc);
    }
    return ids.map((id) => byId.get(key(id)) ?? null);
  }
  const width = opts.width ?? ids.length;
  const found: Array<T | null> = [];
  for (let i = 0; i < ids.length; i += width) {
    found.push(...(await Promise.all(ids.slice(i, i + width).map((id) => model.findOne({ _id: id }, opts.projection).lean() as Promise<T | null>))));
  }
  return found;
}

/** An ObjectId and a string of the same hex are different ids. */
const key = (id: unknown) => (typeof id === 'string' ? `s:${id}` : id instanceof Types.ObjectId ? `o:${id.toHexString()}` : `x:${String(id)}`);

/** `findEachById` for ids that name ObjectIds (as strings or not); an id that cannot be one is `null`. */
export async function findByIds<T>(model: Model<any>, ids: Array<Types.ObjectId | string>, projection?: Record<string, 1>): Promise<Array<T | null>> {
  const valid = ids.map((id) => (Types.ObjectId.isValid(id) ? new Types.ObjectId(String(id)) : null));
  const found = await findEachById<T>(model, valid.filter((id): id is Types.ObjectId => id !== null), { ...(projection ? { projection } : {}), width: WIDTH });
  let next = 0;
  return valid.map((id) => (id ? found[next++]! : null));
}
