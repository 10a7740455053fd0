// `npm start`: rebuild only when dist/ is missing or older than a source, then run the app.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildClients } from './build-clients.mjs';
import { buildStamp, buildTypeScript } from './build.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = path.join(root, 'dist', 'src', 'main.js');

/** Newest mtime under a file or directory (0 when absent). */
function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs; // catches deleted files too
  for (const name of readdirSync(p)) max = Math.max(max, newest(path.join(p, name)));
  return max;
}

const inputs = ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json'];
const sourceTime = Math.max(...inputs.map((p) => newest(path.join(root, p))));
if (!existsSync(entry) || !existsSync(buildStamp) || statSync(buildStamp).mtimeMs < sourceTime) {
  console.log('start: sources changed since the last build; compiling the server with tsc (about half a minute)');
  const started = Date.now();
  buildTypeScript();
  console.log(`start: server compiled in ${Math.round((Date.now() - started) / 1000)} s`);
}
// Console and chat widget: rebuilt only when their sources changed (Vite, offline, ~2 s).
await buildClients({ onlyStale: true });
// The FerretDB launcher is not built here: the database starter builds it only if it is needed.
// Nothing listens yet: the hub prints "Ponte is ready" with the console URL once it serves.
console.log('start: starting the hub (database first)');
await import(pathToFileURL(entry).href);
