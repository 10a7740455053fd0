/**
 * Message-ID, In-Reply-To and References values, normalised to the `<left@right>`
 * form the core stores (see src/core/threading/message-id.ts).
 */

const ID_TOKEN = /<([^<>\s]+)>/g;
const MAX_ID_LENGTH = 996;
/** A bare id without angle brackets, as some broken clients write it. */
const BARE_ID = /^[^\s<>@()",;]+@[^\s<>@()",;]+$/;

/** The Message-IDs in a header value, in order, without duplicates. */
export function parseMessageIdList(value: string | undefined): string[] {
  if (!value) return [];
  const out: string[] = [];
  const seen = new Set<string>();
  const add = (id: string): void => {
    // RFC 5322 lines are at most 998 characters; anything longer is garbage, not an id.
    if (id.length > MAX_ID_LENGTH) return;
    const v = `<${id}>`;
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  };
  // Comments like `(Ana's message of "Mon, 6 Jan")` may contain anything; drop them first.
  const clean = value.replace(/\((?:[^()\\]|\\.)*\)/g, ' ');
  for (const m of clean.matchAll(ID_TOKEN)) add(m[1] as string);
  if (out.length === 0) {
    for (const word of clean.split(/[\s,]+/)) if (BARE_ID.test(word)) add(word);
  }
  return out;
}

/** The first Message-ID in a header value, normalised, or undefined. */
export function parseMessageId(value: string | undefined): string | undefined {
  return parseMessageIdList(value)[0];
}

/** Without the angle brackets: `<a@b>` → `a@b`. */
export function bareMessageId(id: string): string {
  return id.replace(/^<|>$/g, '');
}

/**
 * Keeps a References list within `max` entries the way RFC 5322 §3.6.4 suggests:
 * the first (thread root) and the most recent ones.
 */
export function capReferences(refs: string[], max: number): string[] {
  if (refs.length <= max) return refs;
  return [refs[0] as string, ...refs.slice(refs.length - (max - 1))];
}
