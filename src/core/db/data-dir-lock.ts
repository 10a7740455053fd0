import { hostname } from 'node:os';
import { mkdir, open, readFile, rm } from 'node:fs/promises';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

/**
 * One process at a time on an embedded database's DATA_DIR. Two `npm start`s (or a hub and `npm run migrate`)
 * on the same folder each started their own FerretDB on the same SQLite files: both hubs ran, each believing it
 * owned the database (`ownsDatabase`: it trusts its own last writes), and FerretDB's in-memory catalogue of one
 * did not know the collections the other created (writes failed with "CreateCollection" errors).
 *
 * The lock is `DATA_DIR/ponte.lock`, created exclusively, holding the owner's pid and host. A lock whose owner
 * is gone (kill -9, a crash, a reboot) is taken over: same host and no such process, or a process that is not
 * Node (its pid was reused). Two starts that find the same stale lock at the same instant can both take it
 * over; that needs a crash first and is not guarded against.
 */

export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError';
}

export interface DataDirLock {
  readonly file: string;
  release(): Promise<void>;
}

interface Owner {
  pid: number;
  host: string;
  since: string;
}

function parseOwner(text: string): Owner | undefined {
  try {
    const value = JSON.parse(text) as Partial<Owner>;
    if (typeof value.pid === 'number' && typeof value.host === 'string') return { pid: value.pid, host: value.host, since: String(value.since ?? '') };
  } catch {
    // Half-written by a start that died while writing it: nobody owns it.
  }
  return undefined;
}

/** A live Node process with that pid on this machine (another program's reused pid does not count). */
function isLiveNode(pid: number): boolean {
  if (pid === process.pid) return false; // our own pid in an old lock: a container restarted with the same pid
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('node');
  } catch {
    return true; // no /proc (macOS): the pid is alive, assume it is ours
  }
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'ponte.lock');
  const me: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw err;
    }
    const text = await readFile(file, 'utf8').catch(() => '');
    const owner = parseOwner(text);
    if (owner && owner.host !== me.host) {
      throw new DataDirInUseError(
        `DATA_DIR ${dataDir} is in use by a Ponte on host ${owner.host} (pid ${owner.pid}, since ${owner.since}).\n` +
          `Stop it first, or give this one its own DATA_DIR. If it is not running, delete ${file}.`,
      );
    }
    if (owner && isLiveNode(owner.pid)) {
      throw new DataDirInUseError(
        `DATA_DIR ${dataDir} is in use by another Ponte process (pid ${owner.pid}, since ${owner.since}): its embedded database runs on these files.\n` +
          `Stop that process first (npm run migrate too needs the hub stopped), or give this one its own DATA_DIR.`,
      );
    }
    // Left by a process that is gone (or half-written): take it over.
    await rm(file, { force: true });
  }
  let released = false;
  const releaseSync = (): void => {
    if (released) return;
    released = true;
    rmSync(file, { force: true });
  };
  // process.exit() on a failed start skips our stop: the lock goes with the process anyway.
  process.once('exit', releaseSync);
  return {
    file,
    async release() {
      process.removeListener('exit', releaseSync);
      releaseSync();
    },
  };
}
