import { Types, type Connection, type Model, type Schema } from 'mongoose';

/** The contacts a write changed, by id; `'unknown'`: a write whose filter names no `_id` (any contact may have changed). */
export type ContactWrites = string[] | 'unknown';

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
      contactsWritten(this.model.db, idsOf(this.getFilter()));
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
