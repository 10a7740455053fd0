// `npm run build`: compile src/ to dist/src/, then make sure the FerretDB launcher is built.
// Plain .mjs so it runs before anything is compiled.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildClients } from './build-clients.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Written only after tsc succeeds: tsc emits even on type errors, so dist/ itself proves nothing. */
export const buildStamp = path.join(root, 'dist', '.build-stamp');

export function buildTypeScript() {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const res = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (res.error) throw res.error;
  if (res.status !== 0) process.exit(res.status ?? 1);
  mkdirSync(path.dirname(buildStamp), { recursive: true });
  writeFileSync(buildStamp, `${new Date().toISOString()}\n`);
}

/**
 * Reuses the compiled launcher module, so the lock, the atomic rename and the
 * staleness check (older than its .go files, go.mod, go.sum) are the same as at start-up.
 */
export async function buildLauncher() {
  const launcher = pathToFileURL(path.join(root, 'dist', 'src', 'core', 'db', 'ferretdb-launcher.js')).href;
  const { ensureFerretDbBinary } = await import(launcher);
  const started = Date.now();
  try {
    // The launcher logs each step and a heartbeat while go works; print them as build lines.
    const logger = { info: (_fields, msg) => console.log(`build: ${msg}`), warn: (_fields, msg) => console.warn(`build: ${msg}`) };
    const binary = await ensureFerretDbBinary({ logger });
    console.log(`build: FerretDB launcher ready at ${path.relative(root, binary)} (${Date.now() - started} ms)`);
  } catch (err) {
    // Not fatal: only needed when MONGODB_URI is unset and no mongod is around.
    console.warn(`build: FerretDB launcher not built: ${err instanceof Error ? err.message : String(err)}`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildTypeScript();
  await buildClients();
  await buildLauncher();
}
