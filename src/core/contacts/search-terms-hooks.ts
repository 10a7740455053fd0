import type { Schema } from 'mongoose';
import { searchTermsOf, type Searchable } from './search-terms.js';

const SOURCE_FIELDS = ['name', 'email', 'phone', 'identities', 'unverifiedEmail'];

/** Whether an update document changes a field the search terms come from. */
function touchesSource(update: unknown): boolean {
  if (!update || typeof update !== 'object') return false;
  return Object.entries(update as Record<string, unknown>).some(([op, fields]) =>
    op.startsWith('$') ? fields !== null && typeof fields === 'object' && Object.keys(fields).some((f) => SOURCE_FIELDS.includes(f)) : SOURCE_FIELDS.includes(op),
  );
}

export const termsOf = (c: Searchable & { unverifiedEmail?: string | null }) => {
  const terms = searchTermsOf(c);
  if (c.unverifiedEmail) for (const t of searchTermsOf({ email: c.unverifiedEmail })) if (!terms.includes(t)) terms.push(t);
  return terms;
};

/**
 * Keeps `searchTerms` true on every mongoose write of a contact: computed before a save or insertMany;
 * after an update that touched a source field, recomputed from the stored document (an update names
 * only the fields it changes). Writes through the raw driver compute them themselves (the resolver).
 */
export function maintainSearchTerms(schema: Schema): void {
  schema.pre('save', function () {
    this.set('searchTerms', termsOf(this.toObject() as Searchable));
  });
  schema.pre('insertMany', function (next: () => void, docs: Array<Record<string, unknown>>) {
    for (const d of Array.isArray(docs) ? docs : [docs]) d.searchTerms = termsOf(d as Searchable);
    next();
  });
  for (const op of ['updateOne', 'updateMany', 'findOneAndUpdate'] as const) {
    schema.post(op, async function () {
      if (!touchesSource(this.getUpdate())) return;
      const docs = await this.model.find(this.getFilter(), { name: 1, email: 1, phone: 1, identities: 1, unverifiedEmail: 1 }).limit(1000).lean();
      for (const d of docs) {
        await this.model.collection.updateOne({ _id: d._id as never }, { $set: { searchTerms: termsOf(d as Searchable) } });
      }
    });
  }
}
