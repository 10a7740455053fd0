import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeDir } from '../../../src/core/fs/make-dir.js';
import { describeStartFailure } from '../../../src/core/errors/start-failure.js';

const root = await mkdtemp(path.join(tmpdir(), 'ponte-make-dir-'));
afterAll(() => rm(root, { recursive: true, force: true }));

/** A refusal within `ms`, or the spin Node's recursive mkdir falls into (the test then fails on its own timer). */
const refusal = (p: Promise<unknown>, ms = 5000) =>
  Promise.race([p.then(() => new Error('made'), (e: unknown) => e), new Promise((r) => setTimeout(() => r(new Error(`still spinning after ${ms} ms`)), ms))]);

describe('making DATA_DIR', () => {
  it('makes every missing level, and is fine with one that exists', async () => {
    const dir = path.join(root, 'a', 'b', 'c');
    await makeDir(dir);
    await makeDir(dir);
    expect((await stat(dir)).isDirectory()).toBe(true);
  });

  it('several starts making the same folder at once all succeed', async () => {
    const dir = path.join(root, 'race', 'x', 'y');
    await Promise.all(Array.from({ length: 8 }, () => makeDir(dir)));
    expect((await stat(dir)).isDirectory()).toBe(true);
  });

  it('a file in the way is ENOTDIR naming it, worded for the operator', async () => {
    const file = path.join(root, 'file');
    await writeFile(file, 'x');
    const err = (await refusal(makeDir(path.join(file, 'data')))) as NodeJS.ErrnoException;
    expect(err.code).toBe('ENOTDIR');
    expect(describeStartFailure(err, { port: 3000, host: '127.0.0.1', dataDir: path.join(file, 'data') })).toContain('a part of the path is a file');
  });

  it.runIf(process.platform === 'linux')('DATA_DIR=/proc/ponte is refused at once (Node’s recursive mkdir spun there for ever), in one line naming DATA_DIR', async () => {
    const err = (await refusal(makeDir('/proc/ponte-make-dir-test'))) as NodeJS.ErrnoException;
    expect(err.message).not.toMatch(/still spinning/);
    expect(err.code).toBe('ENOENT');
    expect(describeStartFailure(err, { port: 3000, host: '127.0.0.1', dataDir: '/proc/ponte-make-dir-test' })).toBe(
      'Cannot use DATA_DIR /proc/ponte-make-dir-test: mkdir /proc/ponte-make-dir-test: this file system takes no new folders there. Set DATA_DIR to a folder this user can write, or fix its permissions.',
    );
  });
});
