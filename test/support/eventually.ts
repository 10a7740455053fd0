/**
 * Polls `fn` every 50 ms until `ok` accepts its value or `ms` pass, and returns the last value either way:
 * the caller's own `expect` on it then says what was wrong (a background write that did not land in time).
 */
export async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}
