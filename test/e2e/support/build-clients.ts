import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { build } from 'vite';

const root = path.resolve(import.meta.dirname, '../../..');

function newest(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(p).map((n) => newest(path.join(p, n))));
}

/** Vitest globalSetup for e2e: (re)build the console and chat page when their sources are newer than dist. */
export default async function setup(): Promise<void> {
  const clients = [
    { src: 'src/web/console', out: 'dist/console/index.html' },
    { src: 'src/channels/webchat/client', out: 'dist/webchat/index.html' },
  ];
  for (const c of clients) {
    const out = path.join(root, c.out);
    const shared = newest(path.join(root, 'src/core/canned/render-template.ts'));
    if (existsSync(out) && statSync(out).mtimeMs >= Math.max(newest(path.join(root, c.src)), shared)) continue;
    await build({ configFile: path.join(root, c.src, 'vite.config.ts'), logLevel: 'warn' });
  }
}
