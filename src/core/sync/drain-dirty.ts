/**
 * Applies `apply` to the ids in `dirty`, `width` at a time, until none is left — ids added while it runs
 * included: the in-memory projections' way to follow changes (open work, contact order).
 */
export async function drainDirty(dirty: Set<string>, width: number, apply: (ids: string[]) => Promise<void>): Promise<void> {
  while (dirty.size) {
    const ids = [...dirty];
    dirty.clear();
    for (let k = 0; k < ids.length; k += width) await apply(ids.slice(k, k + width));
  }
}
