/**
 * `first`: the first attempt at a just-accepted event (nothing of it can be stored yet). `retry`: an
 * earlier attempt in this process failed (parts may be stored, nothing was announced). `recovery`: found
 * pending in the database after a crash or by another process (parts may be stored and announced).
 */
export type ProcessRun = 'first' | 'retry' | 'recovery';
