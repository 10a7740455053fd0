import type { Connection } from 'mongoose';
import { isFerretDb } from './schema-indexes.js';

const PROBED = 'server_capabilities';
const answers = new WeakMap<Connection, Promise<boolean>>();

/** The most ids one `$in` read carries: the embedded FerretDB pushes down at most 1,000 (patch-ferretdb.mjs). */
export const MAX_IDS_PER_IN = 1_000;

/**
 * Whether `{_id: {$in: [...]}}` is served by the `_id` index on this connection's server. MongoDB: always. The
 * embedded FerretDB: since its launcher pushes it down (scripts/ferretdb/patch-ferretdb.mjs); a FerretDB that does
 * not (another build, named by `MONGODB_URI` or `FERRETDB_BINARY`) reads the whole collection for it, so there
 * the callers keep one `_id` equality per document. Asked once per connection, from the server's own `explain`.
 */
export function idInServed(connection: Connection): Promise<boolean> {
  let answer = answers.get(connection);
  if (!answer) {
    answer = (async () => {
      if (!(await isFerretDb(connection))) return true;
      // FerretDB explains a collection that does not exist with an empty plan: make sure this one does.
      await connection.db!.createCollection(PROBED).catch(() => undefined);
      const plan = (await connection.db!.command({ explain: { find: PROBED, filter: { _id: { $in: ['a', 'b'] } } } })) as { filterPushdown?: unknown };
      return plan.filterPushdown === true;
    })().catch(() => false);
    answers.set(connection, answer);
  }
  return answer;
}
