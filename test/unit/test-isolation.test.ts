import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ISOLATED_TEST_FILES, NEEDS_ISOLATION } from '../support/isolated-test-files.js';

/** Test files other than the browser ones, as paths from the repository root. */
async function testFiles(dir = 'test'): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (p !== 'test/e2e') out.push(...(await testFiles(p)));
    } else if (entry.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// This file spells the patterns out as examples: it is not scanned.
const self = path.relative(process.cwd(), fileURLToPath(import.meta.url)).split(path.sep).join('/');

describe('test files sharing a worker process (vitest.config.ts)', () => {
  it('every file that mocks, spies, stubs the environment or fakes timers keeps its own process', async () => {
    const files = await testFiles();
    expect(files.length).toBeGreaterThan(100);
    const needing: string[] = [];
    for (const f of files) if (f !== self && NEEDS_ISOLATION.test(await readFile(f, 'utf8'))) needing.push(f);
    expect(needing.filter((f) => !ISOLATED_TEST_FILES.includes(f))).toEqual([]);
  });

  it('every listed file exists', async () => {
    const files = new Set(await testFiles());
    expect(ISOLATED_TEST_FILES.filter((f) => !files.has(f))).toEqual([]);
  });

  it('the pattern catches what it is meant to', () => {
    for (const line of ["vi.spyOn(x, 'y')", "vi.mock('./a.js')", "vi.stubEnv('A', 'b')", 'vi.useFakeTimers()', "process.env.A = 'b'", "process.env['A'] = 'b'", 'delete process.env.A'])
      expect(NEEDS_ISOLATION.test(line), line).toBe(true);
    for (const line of ['process.env.A === undefined', 'const a = process.env.A;', 'vi.fn()']) expect(NEEDS_ISOLATION.test(line), line).toBe(false);
  });
});
