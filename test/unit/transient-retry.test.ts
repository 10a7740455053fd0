import { describe, expect, it } from 'vitest';
import { isTransientDbError, withTransientRetry } from '../../src/core/db/transient-retry.js';

const busy = Object.assign(new Error('[msg_insert.go:168] database is locked (5) (SQLITE_BUSY)'), { code: 1 });

describe('transient database errors', () => {
  it('recognises SQLite lock contention and MongoDB retryable labels, nothing else', () => {
    expect(isTransientDbError(busy)).toBe(true);
    // The embedded build's write turn, timed out (FerretDB answers it as an InternalError, code 1).
    expect(isTransientDbError(Object.assign(new Error('[db.go:120] waited 10s for the SQLite write lock'), { code: 1, codeName: 'InternalError' }))).toBe(true);
    expect(isTransientDbError({ hasErrorLabel: (l: string) => l === 'RetryableWriteError', message: 'x' })).toBe(true);
    expect(isTransientDbError(Object.assign(new Error('E11000 duplicate key'), { code: 11000 }))).toBe(false);
    expect(isTransientDbError(new Error('validation failed'))).toBe(false);
  });

  it('retries transient failures and gives up after the limit', async () => {
    let calls = 0;
    await expect(withTransientRetry(async () => (++calls < 3 ? Promise.reject(busy) : 'ok'), 5, 1)).resolves.toBe('ok');
    expect(calls).toBe(3);
    calls = 0;
    await expect(withTransientRetry(async () => (++calls, Promise.reject(busy)), 4, 1)).rejects.toBe(busy);
    expect(calls).toBe(4);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    const other = new Error('boom');
    await expect(withTransientRetry(async () => (++calls, Promise.reject(other)), 5, 1)).rejects.toBe(other);
    expect(calls).toBe(1);
  });
});
