import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionLeases } from '../../src/core/inboxes/session-lease.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import { createUser, startTestCore, TEST_SECRET, type TestCore } from '../support/test-core.js';
import { until } from '../support/until.js';

/**
 * SIGTERM (a `systemctl stop`, a container stop) or Ctrl+C while the hub is still starting used to end the
 * process on the spot: the channel sessions it had claimed stayed claimed until their lease expired (another
 * hub, or the next start, waited for it), and DATA_DIR/ponte.lock stayed behind. Now the start-up stops after
 * the step under way and undoes what it took, newest first.
 */
const LEASE_TTL_MS = 120_000; // long: a lease that is still there after the exit was not released, it did not expire

let t: TestCore;
let imap: net.Server;
let imapPort: number;
const imapClients: net.Socket[] = [];
const dirs: string[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  // An IMAP server that accepts and says nothing (a slow or far-away mail server): the hub's session start
  // waits on it with the inbox's lease already claimed, before the hub is ready.
  imap = net.createServer((socket) => imapClients.push(socket));
  await new Promise<void>((resolve) => imap.listen(0, '127.0.0.1', resolve));
  imapPort = (imap.address() as net.AddressInfo).port;
  t = await startTestCore();
}, 120_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const socket of imapClients) socket.destroy();
  await new Promise<void>((resolve) => imap.close(() => resolve()));
  await t?.stop();
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

function spawnHub(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ADMIN_PASSWORD: 'hub-process-admin-pw', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exited };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('a signal while the hub starts', () => {
  it('SIGTERM while a channel session is being started: the claimed lease is released before the process exits', async () => {
    const admin = await createUser(t.core, 'admin');
    const inbox = await t.core.inboxes.create(admin, {
      kind: 'email',
      name: 'Slow mail server',
      enabled: true,
      settings: {
        imap: { host: '127.0.0.1', port: imapPort, secure: false, user: 'support', tlsRejectUnauthorized: false },
        smtp: { host: '127.0.0.1', port: 9, secure: false },
        fromAddress: 'support@ponte.test',
        pollIntervalSeconds: 60,
      },
      secrets: { 'imap.password': 'pw' },
      departmentId: null,
    });
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-start-signal-'));
    dirs.push(dataDir);
    const hub = spawnHub({ MONGODB_URI: t.db.uri, SECRET_KEY: TEST_SECRET, DATA_DIR: dataDir, SESSION_LEASE_TTL_MS: String(LEASE_TTL_MS) });
    const leases = new SessionLeases(modelsOf(t.core), 'observer', LEASE_TTL_MS, createLogger('silent'));

    const holder = await until('the hub to claim the inbox and dial its IMAP server', async () => {
      const current = await leases.current(inbox.id);
      return current && imapClients.length > 0 ? current.holder : undefined;
    }, 60_000);
    expect(Number(holder.split(':')[1])).toBe(hub.child.pid);
    expect(hub.output()).not.toContain('Ponte is running');

    hub.child.kill('SIGTERM');
    // The mail server gives up on the connection a moment later (the session start ends, as after a timeout).
    await new Promise((r) => setTimeout(r, 300));
    for (const socket of imapClients) socket.destroy();

    const { code, signal } = await hub.exited;
    expect({ code, signal }, hub.output()).toEqual({ code: 0, signal: null });
    expect(hub.output()).not.toContain('Ponte is running');
    expect(hub.output()).toContain('stopping the start-up');
    expect(await leases.current(inbox.id)).toBeUndefined();
    await t.core.inboxes.update(admin, inbox.id, { enabled: false });
  }, 120_000);

  it('SIGTERM just after the embedded database started: FerretDB stopped, DATA_DIR/ponte.lock removed', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-start-signal-'));
    dirs.push(dataDir);
    const hub = spawnHub({ DATA_DIR: dataDir, EMBEDDED_DB: 'ferretdb', ...(process.env.FERRETDB_BINARY ? { FERRETDB_BINARY: process.env.FERRETDB_BINARY } : {}) });
    const started = await until('the embedded database', () => hub.output().split('\n').find((l) => l.includes('embedded FerretDB started')), 60_000);
    hub.child.kill('SIGTERM');
    const ferretPid = (JSON.parse(started) as { pid: number }).pid;
    expect(existsSync(path.join(dataDir, 'ponte.lock'))).toBe(true);

    const { code, signal } = await hub.exited;
    expect({ code, signal }, hub.output()).toEqual({ code: 0, signal: null });
    expect(hub.output()).not.toContain('Ponte is running');
    expect(existsSync(path.join(dataDir, 'ponte.lock'))).toBe(false);
    await until('FerretDB to be gone', () => !alive(ferretPid), 10_000);
  }, 120_000);
});
