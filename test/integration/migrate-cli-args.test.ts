import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** `npm run migrate` with its arguments wrong: exit 2, one line saying what to give, the usage, no stack. */
function migrate(args: string[]): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts', ...args], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('npm run migrate with wrong arguments', () => {
  it.each([
    [[], 'migrate: --to <mongodb uri> is required'],
    [['--to'], "migrate: Option '--to <value>' argument missing"],
    [['--target', 'mongodb://db:27017/ponte'], "migrate: Unknown option '--target'"],
    [['--to', 'mongodb://db:27017/ponte', '--batch', '0'], 'migrate: --batch: Too small'],
  ])('%j', async (args, said) => {
    const run = await migrate(args);
    expect(run.code, run.output).toBe(2);
    expect(run.output).toContain(said);
    expect(run.output).toContain('usage: npm run migrate -- --to mongodb://host:27017/ponte');
    expect(run.output).not.toMatch(/^\s+at /m);
  });
});
