/**
 * Text → search keys. Folding removes accents and case ("María" → "maria"), so a search for `maria` finds
 * "MARÍA". Every token is indexed under each of its prefixes from MIN_PREFIX characters up to MAX_PREFIX, so
 * a search as the agent types ("mar", "mari") is one exact key lookup per term, which the embedded FerretDB
 * serves from its `_id` index and MongoDB from its `_id` index.
 *
 * Chinese, Japanese and Korean are written without spaces between words, so a run of their characters is not
 * one token: it is indexed under each character and each pair of neighbours (`cjkGrams`), and a search splits
 * its CJK runs the same way — "東京" finds "…東京都に住んでいます" wherever the run starts.
 */
export const MIN_PREFIX = 2;
export const MAX_PREFIX = 16;
/** A long email is indexed by its first distinct tokens only: the posting writes stay bounded per message. */
const MAX_TOKENS_PER_TEXT = 600;
/**
 * The same bound for CJK runs, in keys (a character or a pair each): ~600–800 characters of distinct text,
 * about as many posting writes as the Latin bound allows a typical email.
 */
const MAX_CJK_KEYS_PER_TEXT = 1_200;
/** Terms of one search: more add lookups and rarely narrow further. */
const MAX_QUERY_TERMS = 6;

/**
 * Letters NFKD leaves whole (they are letters of their own, not a letter and an accent), folded as search
 * engines fold them (Lucene's ASCIIFoldingFilter, ICU folding), so `strasse` finds "Straße" and `straße`
 * finds "Strasse". Applied after lower-casing: the capitals come here as these.
 */
const LETTERS: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i', ħ: 'h', ŧ: 't' };
const LETTER = new RegExp(`[${Object.keys(LETTERS).join('')}]`, 'gu');
/**
 * Combining marks, except the kana voicing marks: NFKD splits "が" into "か" and a mark, and "ビール" (beer)
 * is not "ヒール" (heel). NFC then joins them again, and joins the Hangul letters NFKD split a syllable into.
 */
const MARKS = /[^\P{M}\u3099\u309a]+/gu;
const CJK_CLASS = String.raw`\p{scx=Han}\p{scx=Hiragana}\p{scx=Katakana}\p{scx=Hangul}`;
/** Runs of CJK letters and digits (not their punctuation: "、。" are CJK too), or of other letters and digits. */
const WORD = new RegExp(String.raw`((?:(?=[\p{L}\p{N}])[${CJK_CLASS}])+)|((?:(?![${CJK_CLASS}])[\p{L}\p{N}])+)`, 'gu');

export function fold(text: string): string {
  return text.normalize('NFKD').replace(MARKS, '').normalize('NFC').toLowerCase().replace(LETTER, (c) => LETTERS[c]!);
}

/** The folded runs of a text: CJK (`cjk: true`) and the other letters and digits, in order. */
function* runs(text: string): Generator<{ run: string; cjk: boolean }> {
  for (const match of fold(text).matchAll(WORD)) yield match[1] ? { run: match[1], cjk: true } : { run: match[2]!, cjk: false };
}

/** Distinct folded tokens (letters and digits, CJK runs apart) of a text, at most MAX_TOKENS_PER_TEXT. */
export function tokens(text: string): string[] {
  const out = new Set<string>();
  for (const { run, cjk } of runs(text)) {
    if (cjk) continue;
    if (run.length >= MIN_PREFIX) out.add(run.slice(0, MAX_PREFIX));
    if (out.size >= MAX_TOKENS_PER_TEXT) break;
  }
  return [...out];
}

/** A CJK run's keys: each character and each pair of neighbours (by code point: some Han are two units). */
export function cjkGrams(run: string): string[] {
  const chars = [...run];
  return [...chars, ...chars.slice(1).map((c, i) => chars[i]! + c)];
}

/** The keys a text is indexed under: every prefix of every token, the characters and pairs of CJK runs. */
export function indexKeys(text: string): Set<string> {
  const keys = new Set<string>();
  for (const token of tokens(text)) {
    for (let n = MIN_PREFIX; n <= token.length; n++) keys.add(token.slice(0, n));
  }
  let cjkKeys = 0;
  for (const { run, cjk } of runs(text)) {
    if (!cjk) continue;
    for (const gram of cjkGrams(run)) {
      if (keys.has(gram)) continue;
      if (++cjkKeys > MAX_CJK_KEYS_PER_TEXT) return keys;
      keys.add(gram);
    }
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
 * A CJK run is its pairs of neighbours (intersected, like terms), or the character when it is one: one CJK
 * character is a word or close to one, where one Latin letter is not.
 */
export function queryKeys(query: string): string[] {
  // Typed like a phone number ("+55 11 9123"): its digits are one term, as the phone is indexed.
  if (/^[\d\s+().-]+$/.test(query) && /\d[\s().-]+\d/.test(query)) return tokens(query.replace(/\D+/g, ''));
  const cjk = [...runs(query)].filter((r) => r.cjk).flatMap(({ run }) => ([...run].length === 1 ? [run] : cjkGrams(run).slice([...run].length)));
  const terms = [...new Set([...tokens(query), ...cjk])].sort((a, b) => b.length - a.length);
  const kept: string[] = [];
  for (const term of terms) if (!kept.some((k) => k.startsWith(term))) kept.push(term);
  return kept.slice(0, MAX_QUERY_TERMS);
}
