import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntilRunning } from '../support/hub-process.js';

/**
 * `npm start` as a new user runs it: no configuration at all except where the
 * data lives (a temp dir instead of ./data) and a free port.
 */
interface Running {
  child: ChildProcess;
  url: string;
  output: () => string;
}

async function start(dataDir: string): Promise<Running> {
  const child = spawn(process.execPath, ['scripts/start.mjs'], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GOPATH: process.env.GOPATH, GOMODCACHE: process.env.GOMODCACHE, GOCACHE: process.env.GOCACHE, DATA_DIR: dataDir, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { url, output } = await waitUntilRunning(child, 150_000);
  return { child, url, output };
}

async function stop(r: Running): Promise<number | null> {
  if (r.child.exitCode !== null) return r.child.exitCode;
  const exited = new Promise<number | null>((resolve) => r.child.once('exit', (code) => resolve(code)));
  r.child.kill('SIGTERM');
  return exited;
}

let dataDir: string;
let first: Running | undefined;
let second: Running | undefined;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ponte-start-'));
});
afterAll(async () => {
  for (const r of [first, second]) if (r) await stop(r);
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start with no configuration', () => {
  it('starts the embedded database, creates the admin once, serves health, and keeps data across a restart', async () => {
    first = await start(dataDir);
    const password = /password: (\S+)/.exec(first.output())?.[1];
    expect(password, first.output()).toBeTruthy();
    expect(first.output()).toContain('admin@ponte.local');

    const health = await (await fetch(`${first.url}/api/health`)).json();
    expect(health).toMatchObject({ status: 'ok', database: 'ferretdb' });

    const login = await fetch(`${first.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@ponte.local', password }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const created = await fetch(`${first.url}/api/departments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, origin: first.url },
      body: JSON.stringify({ name: 'Kept across restarts' }),
    });
    expect(created.status).toBe(201);
    expect(await stop(first)).toBe(0);

    second = await start(dataDir);
    expect(second.output()).not.toMatch(/password: /);
    const again = await fetch(`${second.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'admin@ponte.local', password }),
    });
    expect(again.status).toBe(200);
    const cookie2 = again.headers.get('set-cookie')!.split(';')[0]!;
    const departments = (await (await fetch(`${second.url}/api/departments`, { headers: { cookie: cookie2 } })).json()) as unknown;
    expect(JSON.stringify(departments)).toContain('Kept across restarts');
    expect(await stop(second)).toBe(0);
  }, 400_000);
});
