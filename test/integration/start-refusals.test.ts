import net from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRefusedHub } from '../support/hub-process.js';

/**
 * Start-ups an operator can fix: the hub says what is wrong in one message and exits 1, without a stack and
 * without running half-way.
 */
let dataDir: string;
let taken: net.Server;
let port: number;
const env = (more: Record<string, string>) => ({ DATA_DIR: dataDir, EMBEDDED_DB: 'ferretdb', ...(process.env.FERRETDB_BINARY ? { FERRETDB_BINARY: process.env.FERRETDB_BINARY } : {}), ...more });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'ponte-refusals-'));
  taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  port = (taken.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => taken.close(() => resolve()));
  await rm(dataDir, { recursive: true, force: true });
});

describe('a hub that cannot start says why', () => {
  it('REDIS_URL unreachable: refuses after a bounded wait, before starting the database (it used to hang for ever, its jobs running)', async () => {
    // A port where nothing answers Redis: the one held by the plain TCP server is closed to Redis talk, so use a fresh closed one.
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedPort = (closed.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    const started = Date.now();
    const run = await runRefusedHub(env({ REDIS_URL: `redis://:secretpw@127.0.0.1:${closedPort}` }), 45_000);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(`REDIS_URL redis://:***@127.0.0.1:${closedPort}: cannot connect (connect ECONNREFUSED`);
    expect(run.output).not.toContain('secretpw');
    expect(run.output).not.toContain('embedded FerretDB started');
    expect(run.output).not.toMatch(/^\s+at /m);
    expect(Date.now() - started).toBeLessThan(40_000);
  }, 60_000);

  it('PORT taken: one message naming the port, no stack, before the database and channels start', async () => {
    const run = await runRefusedHub(env({ PORT: String(port) }), 90_000);
    expect(run.code, run.output).toBe(1);
    expect(run.output).toContain(`Ponte cannot start. Port ${port} on 127.0.0.1 is already in use`);
    // Found before anything started (it used to be the last step, after the database, the jobs and the channel sessions).
    expect(run.output).not.toContain('embedded FerretDB started');
    expect(run.output).not.toMatch(/^\s+at /m);
  }, 120_000);
});
