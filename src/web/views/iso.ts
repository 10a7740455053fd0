/** Optional dates and ids as JSON: ISO strings / hex strings, or null. */
export const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);
export const idOrNull = (id: unknown) => (id ? String(id) : null);
