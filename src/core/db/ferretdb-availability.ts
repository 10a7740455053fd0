import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { findRepoRoot, isLauncherFresh } from './ferretdb-launcher.js';

/**
 * Can the embedded FerretDB run on this machine? It can when a launcher binary is at hand
 * (FERRETDB_BINARY, or scripts/ferretdb/ferretdb-embedded built and current) or when Go ≥ 1.24
 * is on PATH to build it. Asked before trying, so a machine with neither gets one clear message
 * instead of a `go: not found` from deep inside the build.
 */

export const MIN_GO = [1, 24] as const;

export type FerretDbAvailability = { available: true; how: string } | { available: false; why: string };

/** `go env GOVERSION` → [major, minor], or the reason there is none. */
function goVersion(): Promise<{ version: [number, number] } | { why: string }> {
  return new Promise((resolve) => {
    const child = spawn('go', ['env', 'GOVERSION'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.once('error', () => resolve({ why: 'no go on PATH' }));
    child.once('close', (code) => {
      const match = /go(\d+)\.(\d+)/.exec(out);
      if (code !== 0 || !match) return resolve({ why: `go env GOVERSION failed (exit ${code})` });
      resolve({ version: [Number(match[1]), Number(match[2])] });
    });
  });
}

export async function ferretDbAvailability(opts: { configured?: string | undefined; launcherDir?: string }): Promise<FerretDbAvailability> {
  if (opts.configured) {
    const binary = path.resolve(opts.configured);
    return existsSync(binary) ? { available: true, how: `FERRETDB_BINARY ${binary}` } : { available: false, why: `FERRETDB_BINARY ${binary} does not exist` };
  }
  const sourceDir = opts.launcherDir ?? path.join(findRepoRoot(), 'scripts', 'ferretdb');
  if (await isLauncherFresh(sourceDir)) return { available: true, how: 'launcher already built' };
  const go = await goVersion();
  if ('why' in go) return { available: false, why: `the FerretDB launcher is not built and ${go.why}` };
  const [major, minor] = go.version;
  if (major < MIN_GO[0] || (major === MIN_GO[0] && minor < MIN_GO[1])) {
    return { available: false, why: `the FerretDB launcher is not built and go${major}.${minor} is older than go${MIN_GO.join('.')}` };
  }
  return { available: true, how: `go${major}.${minor} builds the launcher` };
}
