/**
 * Text → search keys. Folding removes accents and case ("María" → "maria"), so a search for `maria` finds
 * "MARÍA". Every token is indexed under each of its prefixes from MIN_PREFIX characters up to MAX_PREFIX, so
 * a search as the agent types ("mar", "mari") is one exact key lookup per term, which the embedded FerretDB
 * serves from its `_id` index and MongoDB from its `_id` index.
 */
export const MIN_PREFIX = 2;
export const MAX_PREFIX = 16;
/** A long email is indexed by its first distinct tokens only: the posting writes stay bounded per message. */
const MAX_TOKENS_PER_TEXT = 600;
/** Terms of one search: more add lookups and rarely narrow further. */
const MAX_QUERY_TERMS = 6;

export function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** Distinct folded tokens (letters and digits) of a text, at most MAX_TOKENS_PER_TEXT. */
export function tokens(text: string): string[] {
  const out = new Set<string>();
  for (const match of fold(text).matchAll(/[\p{L}\p{N}]+/gu)) {
    if (match[0].length >= MIN_PREFIX) out.add(match[0].slice(0, MAX_PREFIX));
    if (out.size >= MAX_TOKENS_PER_TEXT) break;
  }
  return [...out];
}

/** The keys a text is indexed under: every prefix of every token. */
export function indexKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const token of tokens(text)) {
    for (let n = MIN_PREFIX; n <= token.length; n++) keys.add(token.slice(0, n));
  }
  return keys;
}

/** The exact key of a ticket number (`#1234`): a number search finds that ticket even when it is one digit. */
export const numberKey = (n: number) => `#${n}`;

/**
 * A phone number is also indexed as its digits alone, so "+55 11 9999-0000", "11 99990000" and "5511999990000"
 * all find it by their first digits.
 */
export function phoneText(phone: string | undefined): string {
  if (!phone) return '';
  const digits = phone.replace(/\D+/g, '');
  const local = digits.length > 9 ? digits.slice(2) : '';
  return `${phone} ${digits} ${local}`;
}

/**
 * The keys one search looks up: the folded terms (each one a prefix), a term that is a prefix of another
 * dropped (it adds nothing), longest first (the rarest key is read first and ends a bucket early when empty).
 */
export function queryKeys(query: string): string[] {
  // Typed like a phone number ("+55 11 9123"): its digits are one term, as the phone is indexed.
  if (/^[\d\s+().-]+$/.test(query) && /\d[\s().-]+\d/.test(query)) return tokens(query.replace(/\D+/g, ''));
  const terms = tokens(query).sort((a, b) => b.length - a.length);
  const kept: string[] = [];
  for (const term of terms) if (!kept.some((k) => k.startsWith(term))) kept.push(term);
  return kept.slice(0, MAX_QUERY_TERMS);
}
