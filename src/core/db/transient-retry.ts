/**
 * Errors worth trying again after a short wait: FerretDB's SQLite backend
 * reports lock contention as code 1 "database is locked (SQLITE_BUSY)", and
 * our embedded build's write turn (scripts/ferretdb/patch-ferretdb.mjs) as
 * "waited 10s for the SQLite write lock"; MongoDB labels its retryable failures.
 */
export function isTransientDbError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { code?: unknown; message?: unknown; errorLabelSet?: Set<string>; hasErrorLabel?: (l: string) => boolean };
  if (typeof e.hasErrorLabel === 'function' && (e.hasErrorLabel('RetryableWriteError') || e.hasErrorLabel('TransientTransactionError'))) return true;
  return typeof e.message === 'string' && /SQLITE_BUSY|database is locked|for the SQLite write lock/i.test(e.message);
}

/** Runs `fn` again (with jittered backoff) while it fails transiently; the operation must be idempotent. */
export async function withTransientRetry<T>(fn: () => Promise<T>, attempts = 5, baseMs = 50): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isTransientDbError(err)) throw err;
      await new Promise((r) => setTimeout(r, baseMs * 2 ** (attempt - 1) * (0.5 + Math.random())));
    }
  }
}
