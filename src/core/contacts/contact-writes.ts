import { Types, type Connection, type Model, type Schema } from 'mongoose';

/**
 * The contacts a write changed: an id, or an id with the `updatedAt` the write gave it when that is all it
 * changed of what the list orders by (no re-read needed); `'unknown'`: a write whose filter names no `_id`
 * (any contact may have changed).
 */
export type ContactWrites = Array<string | { id: string; updatedAt: Date; inserted?: boolean }> | 'unknown';

const listeners = new WeakMap<Connection, (written: ContactWrites) => void>();

/** Tells `listener` about every contact write made through `connection` (one listener per connection). */
export function onContactWrites(connection: Connection, listener: (written: ContactWrites) => void): () => void {
  listeners.set(connection, listener);
  return () => {
    if (listeners.get(connection) === listener) listeners.delete(connection);
  };
}

/** Reports a write the hooks cannot see: one made through the raw driver (the resolver's inserts). */
export function contactsWritten(connection: Connection, written: ContactWrites): void {
  listeners.get(connection)?.(written);
}

/** Whether an update names `mergedInto` (a merge or its undo): the contact leaves or rejoins the list. */
function touchesMerge(update: Record<string, unknown> | null): boolean {
  if (!update) return false;
  return Object.entries(update).some(([op, fields]) => op === 'mergedInto' || (op.startsWith('$') && !!fields && typeof fields === 'object' && 'mergedInto' in fields));
}

function idsOf(filter: Record<string, unknown> | undefined): ContactWrites {
  const id = filter?._id as unknown;
  if (typeof id === 'string' || id instanceof Types.ObjectId) return [String(id)];
  const list = id && typeof id === 'object' ? (id as { $in?: unknown }).$in : undefined;
  if (Array.isArray(list)) return list.map(String);
  return 'unknown';
}

/**
 * Reports every mongoose write of a contact (after it succeeded) to the connection's listener: the contacts
 * list's in-memory order (`contact-order.ts`) follows them. Raw-driver writes report themselves.
 */
export function reportContactWrites(schema: Schema): void {
  for (const op of ['updateOne', 'updateMany', 'findOneAndUpdate', 'replaceOne', 'deleteOne', 'deleteMany', 'findOneAndDelete'] as const) {
    schema.post(op, function () {
      const filter = this.getFilter();
      const ids = idsOf(filter);
      const update = this.getUpdate() as Record<string, Record<string, unknown> | undefined> | null;
      const stamped = update?.$set?.updatedAt;
      // An update by `_id` alone (no other condition that could have matched nothing) that stamped a new
      // `updatedAt` (mongoose's timestamps) and did not merge or unmerge: applied without a re-read.
      const byIdAlone = Object.keys(filter).length === 1 && ids !== 'unknown' && ids.length === 1;
      const known = byIdAlone && stamped instanceof Date && !touchesMerge(update);
      contactsWritten(this.model.db, known ? [{ id: ids[0] as string, updatedAt: stamped }] : ids);
    });
  }
  schema.post('insertMany', function (docs: unknown) {
    const inserted = (Array.isArray(docs) ? docs : [docs]) as Array<{ _id: unknown }>;
    contactsWritten((this as unknown as Model<unknown>).db, inserted.map((d) => String(d._id)));
  });
  schema.post('save', function () {
    contactsWritten(this.db, [String(this._id)]);
  });
}
