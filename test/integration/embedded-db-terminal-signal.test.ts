import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DryMongoBinary } from 'mongodb-memory-server-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFerretDbBinary } from '../../src/core/db/ferretdb-launcher.js';
import { createLogger } from '../../src/core/logging/logger.js';

/**
 * Ctrl+C in a terminal sends SIGINT to every process of the foreground group: the hub and, until
 * 2026-12-05, the embedded FerretDB it had started, which then shut down while the hub's own clean stop
 * still needed it (the stop snapshot that makes the next start fast at 50,000 tickets). The launcher now
 * runs in a process group of its own; the hub stops it last. The same for the embedded mongod
 * (mongodb-memory-server), run here as `test/standins/fake-mongod.mjs`: no MongoDB binary can be had here.
 */
const child = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'support', 'stop-on-sigint.ts');
const fakeMongod = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'standins', 'fake-mongod.mjs');
const dirs: string[] = [];
let childEnv: NodeJS.ProcessEnv = process.env;
beforeAll(async () => {
  childEnv = {
    ...process.env,
    MONGOMS_SYSTEM_BINARY: fakeMongod,
    PONTE_FAKE_MONGOD_FERRETDB: await ensureFerretDbBinary({ configured: process.env.FERRETDB_BINARY, logger: createLogger('silent') }),
    PONTE_FAKE_MONGOD_VERSION: DryMongoBinary.getEnsuredOptions().version,
  };
});
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

describe.each(['ferretdb', 'memory-server'])('the embedded database (%s) and a terminal Ctrl+C', (embedded) => {
  it('outlives the SIGINT sent to the whole group until the hub stops it: a write after the signal lands', async () => {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-ctrl-c-'));
    dirs.push(dataDir);
    // Its own group, as a shell gives a foreground job: the signal below reaches every member.
    const hub = spawn(process.execPath, ['--import', 'tsx', child, dataDir, embedded], { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: childEnv });
    let out = '';
    hub.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    hub.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => hub.once('exit', (code) => resolve(code)));
    const until = Date.now() + 30_000;
    while (!/ready \d+/.test(out)) {
      if (Date.now() > until) throw new Error(`the child did not start:\n${out}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const dbPid = Number(/ready (\d+)/.exec(out)![1]);
    try {
      process.kill(-hub.pid!, 'SIGINT');
      expect(await exited, out).toBe(0);
      expect(out).toContain('after SIGINT: written');
      expect(() => process.kill(dbPid, 0)).toThrow();
    } finally {
      // Whatever failed above, leave nothing running.
      for (const pid of [-hub.pid!, dbPid]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone already
        }
      }
    }
  }, 60_000);
});
