/**
 * Raw header access: unfolded values by lower-cased name, as they appear in the
 * message (not decoded), in order. Built from mailparser's `headerLines`.
 */
export interface HeaderLookup {
  /** All values of a header (case-insensitive name), unfolded and trimmed. */
  all(name: string): string[];
  /** The first value, or undefined. */
  first(name: string): string | undefined;
  has(name: string): boolean;
}

export function headerLookupFromLines(lines: ReadonlyArray<{ key: string; line: string }>): HeaderLookup {
  const map = new Map<string, string[]>();
  for (const { key, line } of lines) {
    const idx = line.indexOf(':');
    const value = (idx >= 0 ? line.slice(idx + 1) : '').replace(/\r?\n[ \t]+/g, ' ').trim();
    const k = key.toLowerCase();
    const list = map.get(k);
    if (list) list.push(value);
    else map.set(k, [value]);
  }
  return lookupFromMap(map);
}

/** Parses a raw header block (everything before the first empty line). */
export function headerLookupFromBlock(block: string): HeaderLookup {
  const map = new Map<string, string[]>();
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const idx = line.indexOf(':');
    if (idx <= 0) continue;
    const k = line.slice(0, idx).trim().toLowerCase();
    const v = line.slice(idx + 1).trim();
    const list = map.get(k);
    if (list) list.push(v);
    else map.set(k, [v]);
  }
  return lookupFromMap(map);
}

function lookupFromMap(map: Map<string, string[]>): HeaderLookup {
  return {
    all: (name) => map.get(name.toLowerCase()) ?? [],
    first: (name) => map.get(name.toLowerCase())?.[0],
    has: (name) => map.has(name.toLowerCase()),
  };
}
