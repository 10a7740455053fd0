import { fold } from '../search/search-terms.js';

/**
 * Contact search without accents or case: each contact stores `searchTerms`, folded words of its name,
 * email, phone and identity values, kept up to date on every write (contact model hooks, the resolver's
 * raw insert). A query is folded the same way and each of its words must be the prefix of a term:
 * `^maria` on a multikey index is an index range on MongoDB; FerretDB scans, with the result limited.
 */
// Folded as the ticket search folds (accents, case, ß → ss, ø → o, ł → l…), so both search boxes agree: `strauss`
// finds "Strauß" on the Contacts page too. Terms stored with an older folding are refreshed by `ContactService`.

const words = (s: string) => fold(s).split(/[^\p{L}\p{N}@._+-]+/u).filter(Boolean);
const digits = (s: string) => s.replace(/\D/g, '');

export interface Searchable {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  identities?: string[];
}

/** The terms a contact is found by (bounded: a contact has few fields and a handful of identities). */
export function searchTermsOf(c: Searchable): string[] {
  const terms = new Set<string>();
  if (c.name) for (const w of words(c.name)) terms.add(w);
  const addEmail = (e: string) => {
    const f = fold(e.trim());
    terms.add(f);
    const [local, domain] = f.split('@');
    if (local) terms.add(local);
    if (domain) terms.add(domain);
  };
  const addPhone = (p: string) => {
    const d = digits(p);
    if (d.length < 3) return;
    terms.add(d);
    // Typed without the country code, or only the local number: the last 8 and 9 digits.
    for (const n of [8, 9, 10, 11]) if (d.length > n) terms.add(d.slice(-n));
  };
  if (c.email) addEmail(c.email);
  if (c.phone) addPhone(c.phone);
  for (const key of c.identities ?? []) {
    const i = key.indexOf(':');
    const kind = key.slice(0, i);
    const value = key.slice(i + 1);
    if (kind === 'email') addEmail(value);
    else if (kind === 'phone' || kind === 'whatsapp') addPhone(value);
    else if (value && kind !== 'visitor') terms.add(fold(value));
  }
  return [...terms].slice(0, 64);
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The filter for a typed query: every word a term prefix (a phone-looking query is one word of digits). */
export function searchFilter(q: string): Record<string, unknown> | null {
  const trimmed = q.trim();
  const phoneLike = /^[+\d\s().-]{3,}$/.test(trimmed) && digits(trimmed).length >= 3;
  const parts = phoneLike ? [digits(trimmed)] : words(trimmed);
  if (parts.length === 0) return null;
  const clauses = parts.slice(0, 5).map((p) => ({ searchTerms: { $regex: `^${escapeRegex(p)}` } }));
  return clauses.length === 1 ? clauses[0]! : { $and: clauses };
}
