// Builds the browser clients with Vite, offline: the agent console (src/web/console → dist/console)
// and the website chat page (src/channels/webchat/client → dist/webchat). Used by `npm run build`
// and by `npm start` when a client's sources are newer than its build.
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const clients = [
  { name: 'console', src: ['src/web/console', 'src/core/canned/render-template.ts'], config: 'src/web/console/vite.config.ts', out: 'dist/console/index.html' },
  { name: 'webchat', src: ['src/channels/webchat/client'], config: 'src/channels/webchat/client/vite.config.ts', out: 'dist/webchat/index.html' },
];

function newest(p) {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const n of readdirSync(p)) max = Math.max(max, newest(path.join(p, n)));
  return max;
}

/** `onlyStale`: skip a client whose build is newer than its sources (npm start). */
export async function buildClients({ onlyStale = false } = {}) {
  const { build } = await import('vite');
  for (const c of clients) {
    const out = path.join(root, c.out);
    const sourceTime = Math.max(...c.src.map((s) => newest(path.join(root, s))));
    if (onlyStale && existsSync(out) && statSync(out).mtimeMs >= sourceTime) continue;
    const started = Date.now();
    console.log(`build: building the ${c.name} client (Vite)`);
    await build({ configFile: path.join(root, c.config), logLevel: 'warn' });
    console.log(`build: ${c.name} client built in ${Date.now() - started} ms`);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildClients({ onlyStale: process.argv.includes('--stale') });
}
