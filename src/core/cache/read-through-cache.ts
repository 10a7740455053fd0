/**
 * Small settings documents read on the ingest hot path (routing rules, departments): one read per key per
 * `ttlMs`, concurrent misses share one read. The process that changes a document calls `forget`, so its
 * own change applies at once; `ttlMs` bounds how long another process's change goes unseen (the same
 * contract as the inbox cache). Bounded: past `maxEntries` it starts again empty.
 */
export class ReadThroughCache<V> {
  private readonly entries = new Map<string, { value: Promise<V>; until: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 1_000,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.until > this.now()) return hit.value;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    const value = load();
    const entry = { value, until: this.now() + this.ttlMs };
    this.entries.set(key, entry);
    // A failed read is not remembered: the next caller reads again.
    value.catch(() => {
      if (this.entries.get(key) === entry) this.entries.delete(key);
    });
    return value;
  }

  /** A read already under way when the change was made is dropped too (`forget` removes its entry). */
  forget(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
