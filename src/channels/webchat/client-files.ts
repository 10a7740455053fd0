import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root (where package.json is), from src/ under tsx or dist/src/ when compiled. */
export function projectRoot(from = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + from);
    dir = up;
  }
  return dir;
}

/** Where `npm run build` puts the chat page (vite, see client/vite.config.ts). */
export const webchatClientDir = () => path.join(projectRoot(), 'dist', 'webchat');
