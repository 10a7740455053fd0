import { Types, type Model } from 'mongoose';

/** Lookups sent at once: enough to keep the database busy, few enough to leave the pool to ingest. */
const WIDTH = 8;

/**
 * Documents by `_id`, a few lookups at a time, in the order asked (`null` for one that does not exist). The
 * embedded FerretDB serves a single `_id` equality from an index but reads the whole collection for an `$in`,
 * so a short list of ids found elsewhere (a projection, a small collection of marks) is fetched this way.
 */
export async function findByIds<T>(model: Model<any>, ids: Array<Types.ObjectId | string>, projection?: Record<string, 1>): Promise<Array<T | null>> {
  const found: Array<T | null> = [];
  for (let i = 0; i < ids.length; i += WIDTH) {
    found.push(
      ...(await Promise.all(
        ids.slice(i, i + WIDTH).map((id) =>
          Types.ObjectId.isValid(id) ? (model.findOne({ _id: new Types.ObjectId(String(id)) }, projection).lean() as Promise<T | null>) : null,
        ),
      )),
    );
  }
  return found;
}
