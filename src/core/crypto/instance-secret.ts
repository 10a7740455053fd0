import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../errors/app-error.js';

/**
 * The instance secret encrypts inbox credentials and signs our Message-IDs.
 * With an external database (production) it must be configured; an embedded
 * install generates one beside its data so `npm start` needs no configuration.
 */
export async function resolveInstanceSecret(opts: {
  configured?: string;
  externalDatabase: boolean;
  dataDir: string;
}): Promise<{ secret: string; source: 'config' | 'generated' | 'data-dir' }> {
  if (opts.configured) return { secret: opts.configured, source: 'config' };
  if (opts.externalDatabase) {
    throw new AppError('CONFIG_SECRET_REQUIRED', 'SECRET_KEY must be set when MONGODB_URI is set (it encrypts inbox credentials)');
  }
  const file = path.join(opts.dataDir, 'secret.key');
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return { secret: existing, source: 'data-dir' };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(opts.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  await writeFile(file, `${secret}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return { secret: (await readFile(file, 'utf8')).trim(), source: 'generated' };
}
