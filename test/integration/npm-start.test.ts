import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMongoDownloadStandIn, type MongoDownloadStandIn } from '../standins/mongodb-download.js';
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
    // The MongoDB download is pointed at a stand-in on 127.0.0.1 with no archive: a machine that cannot reach
    // MongoDB's site (tests never contact outside addresses), so the first start falls back to FerretDB.
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GOPATH: process.env.GOPATH, GOMODCACHE: process.env.GOMODCACHE, GOCACHE: process.env.GOCACHE, DATA_DIR: dataDir, PORT: '0', ...downloadSite.env },
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
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(check()).toBe(true);
}

let downloadSite: MongoDownloadStandIn;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ponte-start-'));
  downloadSite = await startMongoDownloadStandIn('fail', path.join(dataDir, 'mongodb-binaries'));
});
afterAll(async () => {
  for (const r of [first, second]) if (r) await stop(r);
  await downloadSite.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe('npm start with no configuration', () => {
  it('starts the embedded database, creates the admin once, serves health, and keeps data across a restart', async () => {
    first = await start(dataDir);
    // The database choice is logged with its reason; "ready" only once the hub serves.
    expect(first.output()).toContain('MongoDB download failed');
    expect(downloadSite.requests()).toBeGreaterThan(0);
    // (Printed right after listen() resolved; the JSON log and this plain line are separate writes, so their
    // order in a pipe is not asserted.)
    await until(() => first!.output().includes('Ponte is ready'));
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

    const requestsBefore = downloadSite.requests();
    second = await start(dataDir);
    expect(second.output()).not.toMatch(/password: /);
    // Its data is in FerretDB now: it stays there, no second download attempt.
    expect(second.output()).toContain('holds this install');
    expect(downloadSite.requests()).toBe(requestsBefore);
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
