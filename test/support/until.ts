type Check<T> = () => Promise<T | undefined | null | false> | T | undefined | null | false;

/**
 * Polls `check` every 50 ms until it returns a truthy value, and returns that value; throws after `ms`.
 * The optional `what` names the awaited condition in the timeout error, so a failure in CI says which wait
 * ran out rather than only "timed out". (For a check whose last value the caller asserts on instead, see
 * `eventually`.)
 */
export async function until<T>(check: Check<T>, ms?: number): Promise<T>;
export async function until<T>(what: string, check: Check<T>, ms?: number): Promise<T>;
export async function until<T>(a: string | Check<T>, b?: Check<T> | number, c?: number): Promise<T> {
  const [what, check, ms] =
    typeof a === 'string' ? [a, b as Check<T>, c ?? 30_000] : ['a condition', a, (b as number | undefined) ?? 15_000];
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
