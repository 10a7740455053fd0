/**
 * The one line (or few) an operator reads when the hub cannot start for a reason they can fix: a stack trace
 * buried "PORT is taken" under twenty lines of Node internals. Anything not recognised here is a bug and keeps
 * its stack.
 */

/** Errors whose message is already written for the operator (no database, DATA_DIR in use, …). */
const OPERATOR_ERRORS = new Set(['NoDatabaseError', 'DataDirInUseError', 'InstanceSecretError', 'RedisUnreachableError', 'EmbeddedDatabaseError']);

export function describeStartFailure(err: unknown, context: { port: number; host: string; dataDir: string }): string | undefined {
  if (!(err instanceof Error)) return undefined;
  if (OPERATOR_ERRORS.has(err.name)) return err.message;
  const { code, syscall, path } = err as NodeJS.ErrnoException;
  if (syscall === 'listen') {
    if (code === 'EADDRINUSE') return `Port ${context.port} on ${context.host} is already in use (another Ponte, or another program). Stop it, or set PORT to a free port.`;
    if (code === 'EACCES') return `Not allowed to listen on port ${context.port} (ports below 1024 need extra rights). Set PORT to 1024 or higher.`;
    if (code === 'EADDRNOTAVAIL') return `HOST ${context.host} is not an address of this machine. Set HOST to one of its addresses, or 0.0.0.0 for all.`;
  }
  // listen() on a HOST name that does not resolve (a typo): Node's error came with a stack and four lines of fields.
  if (syscall === 'getaddrinfo' && (code === 'ENOTFOUND' || code === 'EAI_AGAIN') && (err as { hostname?: string }).hostname === context.host) {
    return `HOST ${context.host} is not a name this machine can resolve (${code}). Set HOST to one of its addresses, or 0.0.0.0 for all.`;
  }
  if (path && ['EACCES', 'EPERM', 'ENOTDIR', 'EROFS', 'ENOSPC', 'EEXIST'].includes(code ?? '')) {
    const what = { EACCES: 'permission denied', EPERM: 'operation not permitted', ENOTDIR: 'a part of the path is a file, not a folder', EROFS: 'read-only file system', ENOSPC: 'no space left on the device', EEXIST: 'a file is in the way' }[code as string];
    return `Cannot use DATA_DIR ${context.dataDir}: ${syscall ?? 'access'} ${path}: ${what}. Set DATA_DIR to a folder this user can write, or fix its permissions.`;
  }
  // mkdir answering ENOENT under a parent that exists (/proc, /sys): the folder cannot be made there (fs/make-dir.ts).
  if (path && code === 'ENOENT' && syscall === 'mkdir') {
    return `Cannot use DATA_DIR ${context.dataDir}: mkdir ${path}: this file system takes no new folders there. Set DATA_DIR to a folder this user can write, or fix its permissions.`;
  }
  // The embedded FerretDB's SQLite answering a write on a full disk (SQLITE_FULL), relayed as a server error.
  if (/database or disk is full/.test(err.message)) {
    return `The database under DATA_DIR ${context.dataDir} could not write: no space left on the device (SQLite: "database or disk is full"). Free some space there, or move DATA_DIR to another disk.`;
  }
  // A write through an open file names no path; a full disk at start-up is the folder's all the same.
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return `Cannot use DATA_DIR ${context.dataDir}: no space left on the device${code === 'EDQUOT' ? ' (disk quota)' : ''} (${syscall ?? 'write'}). Free some space there, or set DATA_DIR to a folder on another disk.`;
  }
  return undefined;
}
