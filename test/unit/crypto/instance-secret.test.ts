import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveInstanceSecret } from '../../../src/core/crypto/instance-secret.js';

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ponte-secret-'));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('the instance secret of an embedded install', () => {
  it('is generated once, kept in DATA_DIR/secret.key, and read back the same', async () => {
    const first = await resolveInstanceSecret({ externalDatabase: false, dataDir });
    expect(first.source).toBe('generated');
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    const again = await resolveInstanceSecret({ externalDatabase: false, dataDir });
    expect(again).toEqual({ secret: first.secret, source: 'data-dir' });
    // Written in one step: nothing but the key file is left in the folder.
    expect(await readdir(dataDir)).toEqual(['secret.key']);
  });

  it('refuses a secret.key left empty or short (a crash while it was written) instead of running with it as the key', async () => {
    // An empty file: what a power cut leaves of a file whose data had not reached the disk.
    for (const content of ['', '\n', 'short-key\n']) {
      await writeFile(path.join(dataDir, 'secret.key'), content);
      const outcome = await resolveInstanceSecret({ externalDatabase: false, dataDir }).then(
        (r) => ({ secret: r.secret }),
        (err: Error) => ({ error: err.message }),
      );
      expect(outcome).toEqual({ error: expect.stringContaining(`${path.join(dataDir, 'secret.key')} is empty or shorter than 32 characters`) });
      // Left as it was: it may be the only copy of a key someone can still repair.
      expect(await readFile(path.join(dataDir, 'secret.key'), 'utf8')).toBe(content);
    }
  });

  it('two first starts at once end with one secret', async () => {
    const [a, b] = await Promise.all([resolveInstanceSecret({ externalDatabase: false, dataDir }), resolveInstanceSecret({ externalDatabase: false, dataDir })]);
    expect(a.secret).toBe(b.secret);
    expect((await readFile(path.join(dataDir, 'secret.key'), 'utf8')).trim()).toBe(a.secret);
  });
});
