import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findRepoRoot } from '../../src/core/db/ferretdb-launcher.js';

/**
 * The launcher's own Go tests (scripts/ferretdb/*_test.go): the _id index
 * keeper must make FerretDB's _id lookups use an index (see id_index.go).
 * Go is already required to build the launcher.
 */
describe('FerretDB launcher (Go)', () => {
  it('passes its Go tests', () => {
    const dir = path.join(findRepoRoot(), 'scripts', 'ferretdb');
    const res = spawnSync('go', ['test', './...'], { cwd: dir, encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' }, timeout: 600_000 });
    expect(res.error).toBeUndefined();
    expect(`${res.stdout}\n${res.stderr}`).toMatch(/^ok\s/m);
    expect(res.status).toBe(0);
  });

  it('is built from the patched FerretDB (patch-ferretdb.mjs), wherever it was built', () => {
    const dir = path.join(findRepoRoot(), 'scripts', 'ferretdb');
    const binary = process.env.FERRETDB_BINARY ?? path.join(dir, 'ferretdb-embedded');
    const res = spawnSync('go', ['version', '-m', binary], { encoding: 'utf8', env: { ...process.env, GOTOOLCHAIN: 'local' } });
    expect(res.status).toBe(0);
    // The module line is followed by its replacement: the copy with the transaction mutex.
    expect(res.stdout).toMatch(/dep\s+github\.com\/FerretDB\/FerretDB\s+v[\d.]+\s*\n\s*=>\s+\S*\.patched\/ferretdb/);
  });
}, 600_000);
