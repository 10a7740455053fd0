import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRefusedHub, startHubProcess, type HubProcess } from '../support/hub-process.js';

/**
 * Two `npm start`s on one DATA_DIR: before, both ran, each with its own FerretDB on the same SQLite files and
 * each believing it owned the database. Now the second refuses at once, in one message; a lock left by a
 * killed hub is taken over.
 */
let dataDir: string;
const hubs: HubProcess[] = [];
const env = () => ({ DATA_DIR: dataDir, EMBEDDED_DB: 'ferretdb', ...(process.env.FERRETDB_BINARY ? { FERRETDB_BINARY: process.env.FERRETDB_BINARY } : {}) });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ponte-lock-'));
});
afterAll(async () => {
  for (const hub of hubs) await hub.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('one hub per DATA_DIR', () => {
  it('a second hub on the same DATA_DIR refuses with one message; a killed hub’s lock is taken over', async () => {
    const first = await startHubProcess(env());
    hubs.push(first);

    const second = await runRefusedHub(env());
    expect(second.code, second.output).toBe(1);
    expect(second.output).toContain(`DATA_DIR ${dataDir} is in use by another Ponte process (pid ${first.child.pid}`);
    expect(second.output).not.toMatch(/^\s+at /m); // no stack trace
    expect(second.output).not.toContain('Ponte is running');
    // The first hub is untouched.
    expect((await fetch(`${first.url}/api/health`)).status).toBe(200);

    // kill -9: no shutdown code runs, the lock file stays behind with a dead pid.
    await first.kill();
    expect(existsSync(path.join(dataDir, 'ponte.lock'))).toBe(true);
    const third = await startHubProcess(env());
    hubs.push(third);
    expect((await fetch(`${third.url}/api/health`)).status).toBe(200);
    expect(await third.stop()).toBe(0);
    expect(existsSync(path.join(dataDir, 'ponte.lock'))).toBe(false);
  }, 240_000);
});
