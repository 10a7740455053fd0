import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { link, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { makeDir } from '../fs/make-dir.js';
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
 * Node (its pid was reused).
 *
 * Two starts that find the same stale lock at the same instant (systemd restarting a crashed hub while someone
 * types `npm start`) used to both take it over: each removed "the stale lock", the later one removing the lock
 * the earlier had just written. A takeover now happens only under `ponte.lock.takeover`, created exclusively,
 * and only if the lock still holds exactly what was judged stale; and a lock is written beside and linked into
 * place, so nobody ever reads a half-written one (which would look stale).
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

/** A takeover guard this old was left by a start that died within its takeover (which lasts milliseconds). */
const TAKEOVER_GUARD_STALE_MS = 10_000;
/** Rounds of "exists → stale → someone else is taking over → look again" before giving up. */
const MAX_ATTEMPTS = 100;

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

/**
 * Creates `file` with `text` unless it exists (false then). Written to a name of its own first and hard-linked
 * into place, which fails when the name is taken, like O_EXCL, but shows the whole text at once. A file system
 * without hard links (some network or FAT mounts) gets O_EXCL and a write.
 */
async function createExclusive(file: string, text: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, text, { mode: 0o644 });
    await link(tmp, file);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code ?? '')) throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  try {
    const handle = await open(file, 'wx', 0o644);
    try {
      await handle.writeFile(text);
    } finally {
      await handle.close();
    }
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Replaces the stale lock whose text was `seen` with ours, if this start is the one to do it: false when another
 * start holds the takeover guard, or the lock no longer holds `seen` (taken over already, or rewritten).
 */
async function takeOver(file: string, seen: string, text: string): Promise<boolean> {
  const guard = `${file}.takeover`;
  if (!(await createExclusive(guard, `${JSON.stringify({ pid: process.pid, host: hostname() })}\n`))) {
    const since = (await stat(guard).catch(() => undefined))?.mtimeMs;
    // Only a start that died between creating and removing it leaves one behind; a second such crash racing
    // a third start is not guarded against.
    if (since !== undefined && Date.now() - since > TAKEOVER_GUARD_STALE_MS) await rm(guard, { force: true });
    return false;
  }
  try {
    const now = await readFile(file, 'utf8').catch(() => undefined);
    if (now !== seen) return false;
    await rm(file, { force: true });
    return await createExclusive(file, text);
  } finally {
    await rm(guard, { force: true });
  }
}

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  await makeDir(dataDir);
  const file = path.join(dataDir, 'ponte.lock');
  const me: Owner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
  const text = `${JSON.stringify(me)}\n`;
  for (let attempt = 0; ; attempt++) {
    if (await createExclusive(file, text)) break;
    if (attempt >= MAX_ATTEMPTS) throw new DataDirInUseError(`DATA_DIR ${dataDir}: could not take ${file} (other starts kept taking it). Start again, or give this one its own DATA_DIR.`);
    const seen = await readFile(file, 'utf8').catch(() => undefined);
    if (seen === undefined) continue; // released meanwhile
    const owner = parseOwner(seen);
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
    // Left by a process that is gone (or unreadable): take it over, unless another start is doing so.
    if (await takeOver(file, seen, text)) break;
    await new Promise((resolve) => setTimeout(resolve, 10 + Math.random() * 40));
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
