import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { connectMongoose, disconnect } from '../../src/core/db/connect.js';
import { startDatabase } from '../../src/core/db/start-database.js';
import { ensureFerretDbBinary } from '../../src/core/db/ferretdb-launcher.js';
import { superviseFerretDb } from '../../src/core/db/ferretdb-supervisor.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import { createInbox, smsEvent, startTestCore, type TestCore } from '../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../support/test-database.js';
import { eventually } from './web/web-harness.js';
import { alive, expectBackAfterKill } from '../support/killed-database.js';

/**
 * The embedded FerretDB is started again on the same data and port when it exits on its own; the hub's
 * connection finds it again without being told.
 */
const logger = createLogger('silent');

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});

async function embedded() {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-ferret-restart-'));
  dirs.push(dataDir);
  return startDatabase({ dataDir, embedded: 'ferretdb', ferretdbBinary: process.env.FERRETDB_BINARY, logger });
}

describe('embedded FerretDB supervision', () => {
  it('killed: restarted on the same port with what was committed; the same connection reads and writes again', async () => {
    const db = await embedded();
    await expectBackAfterKill(db, db.uri, 20_000);
    expect(db.pid).toBeGreaterThan(0);
  });

  it('a restart that cannot start (its port taken meanwhile) is tried again, later, until it can', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-ferret-restart-'));
    dirs.push(dir);
    // The launcher the tests' databases use: FERRETDB_BINARY when set, else the repository's build.
    const binary = await ensureFerretDbBinary({ configured: process.env.FERRETDB_BINARY, logger });
    const db = await superviseFerretDb({ binary, dir, logger, restartDelaysMs: [300, 600] });
    const { hostname, port } = new URL(db.uri);
    const squatter = net.createServer();
    try {
      const first = db.pid;
      process.kill(first, 'SIGKILL');
      // Take the port before the supervisor's first try, and hold it through it.
      await new Promise<void>((resolve, reject) => {
        const tryListen = () => {
          squatter.once('error', () => setTimeout(tryListen, 5));
          squatter.listen(Number(port), hostname, () => {
            squatter.removeAllListeners('error');
            resolve();
          });
        };
        tryListen();
        setTimeout(() => reject(new Error('port never freed')), 5_000);
      });
      await new Promise((r) => setTimeout(r, 1_200));
      expect(db.restarts).toBe(0);
      await new Promise<void>((r) => squatter.close(() => r()));
      await eventually(async () => (db.restarts === 1 ? true : undefined), 10_000);
      expect(db.pid).not.toBe(first);
      expect(alive(db.pid)).toBe(true);
    } finally {
      if (squatter.listening) squatter.close();
      await db.stop();
    }
    expect(alive(db.pid)).toBe(false);
  });

  it('stopped while a restart is due: nothing is started again', async () => {
    const db = await embedded();
    const first = db.pid!;
    process.kill(first, 'SIGKILL');
    await eventually(async () => (alive(first) ? undefined : true), 5_000, 10);
    await db.stop();
    // Longer than the first restart delay (0.2 s): a restart that ignored the stop would have happened by now.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(db.pid).toBe(first);
    const processes = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
    expect(processes.split('\n').filter((line) => line.includes('ferretdb-embedded') && line.includes(dirs.at(-1)!))).toEqual([]);
  });
});

describe('the hub across a database restart', () => {
  let db: TestDatabase | undefined;
  let t: TestCore | undefined;
  afterAll(async () => {
    await t?.stop();
    await db?.stop();
  });

  it('an inbound message accepted after the database was killed and came back is stored once, on its ticket', async () => {
    db = await startTestDatabase();
    t = await startTestCore({}, db);
    const inbox = String((await createInbox(t.core))._id);
    await t.core.ingest.accept([smsEvent(inbox, { sid: 'SM-before', from: '+5511911110000' })]);
    const { Message } = modelsOf(t.core);
    await eventually(async () => ((await Message.countDocuments({ providerKey: 'sms:SM-before' })) === 1 ? true : undefined));

    const first = db.pid!;
    process.kill(first, 'SIGKILL');
    // Accepted as soon as the database answers again (the sender, like a platform's webhook, retries until then).
    await eventually(async () => {
      if (db!.pid === first) return undefined;
      return t!.core.ingest.accept([smsEvent(inbox, { sid: 'SM-after', from: '+5511911110000' })]).then(
        () => true,
        () => undefined,
      );
    }, 30_000, 250);
    const after = await eventually(async () => (await Message.findOne({ providerKey: 'sms:SM-after' }).lean()) ?? undefined, 20_000);
    const before = await Message.findOne({ providerKey: 'sms:SM-before' }).lean();
    expect(String(after.ticketId)).toBe(String(before!.ticketId));
    expect(await Message.countDocuments({ providerKey: { $in: ['sms:SM-before', 'sms:SM-after'] } })).toBe(2);
  });
});
