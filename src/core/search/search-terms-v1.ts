/**
 * The keys the search index wrote before version 2 (2026-12-06), frozen: what an index built then has for a
 * text, so the upgrade (`search-index-upgrade.ts`) writes only the keys it lacks — version 2 folds ß, ø, ł…
 * and splits CJK runs into characters and pairs; every other key is the same. Not used to index or search.
 */
const MIN_PREFIX = 2;
const MAX_PREFIX = 16;
const MAX_TOKENS_PER_TEXT = 600;

export function indexKeysV1(text: string): Set<string> {
  const tokens = new Set<string>();
  for (const match of text.normalize('NFKD').replace(/\p{M}+/gu, '').toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    if (match[0].length >= MIN_PREFIX) tokens.add(match[0].slice(0, MAX_PREFIX));
    if (tokens.size >= MAX_TOKENS_PER_TEXT) break;
  }
  const keys = new Set<string>();
  for (const token of tokens) for (let n = MIN_PREFIX; n <= token.length; n++) keys.add(token.slice(0, n));
  return keys;
}
