import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * `mkdir -p` that always ends. Node's `mkdir(dir, { recursive: true })` spins for ever where the kernel answers
 * ENOENT for a folder whose parent exists (`DATA_DIR=/proc/ponte`: it climbs to `/proc`, finds it, and tries
 * again, using a core at 100 % until killed). Here the missing levels are made once each, top down, and a refusal
 * is thrown with its code, syscall and path, which errors/start-failure.ts words for the operator.
 */
export async function makeDir(dir: string): Promise<void> {
  const missing: string[] = [];
  let at = path.resolve(dir);
  for (;;) {
    const found = await stat(at).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return null;
      throw err;
    });
    if (found) {
      if (!found.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR', syscall: 'mkdir', path: at });
      break;
    }
    missing.unshift(at);
    const up = path.dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const level of missing) {
    await mkdir(level).catch(async (err: NodeJS.ErrnoException) => {
      // Made meanwhile by another start: fine if it is a folder.
      if (err.code === 'EEXIST' && (await stat(level).then((s) => s.isDirectory(), () => false))) return;
      throw err;
    });
  }
}
