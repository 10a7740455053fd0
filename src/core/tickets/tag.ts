import { z } from 'zod';

/** Characters that show as nothing: a tag made of them, or with them inside, reads as another tag. */
const INVISIBLE = /[\u00ad\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/**
 * One spelling per tag (tickets, macros, routing rules, the list filter): "Café", "cafe\u0301", "ＣＡＦÉ " and
 * "café" are one tag, so filtering, removing and reports find it whichever way it was typed. NFKC folds
 * composed/decomposed accents and full-width letters; runs of spaces become one. ZWJ stays (emoji sequences).
 */
export function normalizeTag(raw: string): string {
  return raw.normalize('NFKC').replace(INVISIBLE, '').replace(/\s+/g, ' ').trim().toLowerCase();
}

/** A tag at the boundary: normalised, then 1–60 characters (one of only spaces or invisible characters is refused). */
export const TagSchema = z
  .string()
  .max(200)
  .transform(normalizeTag)
  .pipe(z.string().min(1, 'a tag needs a visible character').max(60));
