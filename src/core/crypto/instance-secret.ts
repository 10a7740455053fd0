import { randomBytes } from 'node:crypto';
import { link, open, readFile, rm } from 'node:fs/promises';
import { makeDir } from '../fs/make-dir.js';
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
  const existing = await readSecretFile(file);
  if (existing !== undefined) return { secret: existing, source: 'data-dir' };
  await makeDir(opts.dataDir);
  await createOnce(file, `${randomBytes(32).toString('base64url')}\n`);
  // Whoever created it first (two first starts at once) decides; both read the same key.
  return { secret: (await readSecretFile(file))!, source: 'generated' };
}

/** Thrown when DATA_DIR/secret.key is there but holds no usable key: the operator must decide. */
export class InstanceSecretError extends Error {
  override name = 'InstanceSecretError';
}

/**
 * The key in the file, or undefined when there is no file. A file too short to be a key is refused: it used
 * to be taken as the key (an empty one after a crash: credentials sealed and web chat tokens signed with a key
 * anyone can compute), and it is not replaced either: it may be a key someone can still restore.
 */
async function readSecretFile(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const secret = text.trim();
  if (secret.length >= 32) return secret;
  throw new InstanceSecretError(
    `${file} is empty or shorter than 32 characters: it is not a usable instance secret (a start interrupted while writing it?).\n` +
      `Restore it from your backup of DATA_DIR, or set SECRET_KEY. Only if no inbox was ever set up on this install, delete it and start again: a new one is generated.`,
  );
}

/**
 * Writes the whole file under a temporary name, flushed to disk, then links it into place: the key file is
 * either absent or complete, even after a power cut, and an existing one is never overwritten.
 */
async function createOnce(file: string, content: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await rm(tmp, { force: true });
  }
}
