import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { mongo, type Connection } from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateDatabase } from '../../src/core/db/migrate-database.js';
import { verifyMigratedChains } from '../../src/core/db/verify-migrated-chains.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { modelsOf } from '../../src/core/models/models-of.js';
import { createInbox, createUser, smsEvent, startTestCore, TEST_SECRET, type TestCore } from '../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * `npm run migrate`: an embedded FerretDB with tickets, audit history and GridFS files copied to a second
 * FerretDB (the only other server here); counts, file contents and every audit chain compared; an
 * interrupted copy resumed without duplicates; the CLI run end to end.
 */
const logger = createLogger('silent');
let t: TestCore;
let target: TestDatabase;
let cliTarget: TestDatabase;
const files = new Map<string, string>(); // GridFS id → sha256 of the content written

async function gridFsDigests(connection: Connection): Promise<Map<string, string>> {
  const bucket = new mongo.GridFSBucket(connection.db!, { bucketName: 'blobs' });
  const out = new Map<string, string>();
  for (const file of await bucket.find({}).toArray()) {
    const hash = createHash('sha256');
    for await (const chunk of bucket.openDownloadStream(file._id)) hash.update(chunk as Buffer);
    out.set(String(file._id), hash.digest('hex'));
  }
  return out;
}

async function counts(connection: Connection): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of await connection.db!.listCollections({}, { nameOnly: true }).toArray()) {
    if (c.name.startsWith('system.')) continue;
    out[c.name] = await connection.db!.collection(c.name).countDocuments({});
  }
  return out;
}

beforeAll(async () => {
  t = await startTestCore();
  [target, cliTarget] = await Promise.all([startTestDatabase(), startTestDatabase()]);
  // Tickets with several messages and audited changes, through the public ingest path.
  const inbox = String((await createInbox(t.core))._id);
  const admin = await createUser(t.core, 'admin');
  for (let i = 0; i < 12; i++) {
    const from = `+5511987${String(i).padStart(6, '0')}`;
    await t.core.ingest.accept([smsEvent(inbox, { sid: `SM-mig-${i}-a`, from, text: `first ${i}` }), smsEvent(inbox, { sid: `SM-mig-${i}-b`, from, text: `second ${i}` })]);
  }
  await t.core.ingest.drain();
  const tickets = await modelsOf(t.core).Ticket.find({}).lean();
  for (const ticket of tickets.slice(0, 6)) await t.core.tickets.changeTags(admin, String(ticket._id), ['migrated'], []);
  await t.core.audit.flushHeads();
  // Report rollups are written up to 10 s later (months), search postings a second later: written now, so the
  // source holds still while copied.
  await t.core.reports.flush();
  await t.core.search.settled();
  // GridFS files (attachments), one larger than a chunk (255 KiB).
  const bucket = new mongo.GridFSBucket(t.db.connection.db!, { bucketName: 'blobs' });
  for (const size of [10, 300 * 1024, 1]) {
    const content = Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + size) % 256));
    const upload = bucket.openUploadStream(`file-${size}.bin`);
    await new Promise<void>((resolve, reject) => Readable.from([content]).pipe(upload).once('finish', () => resolve()).once('error', reject));
    files.set(String(upload.id), createHash('sha256').update(content).digest('hex'));
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([t?.stop(), target?.stop(), cliTarget?.stop()]);
});

describe('migrate the database to another server', () => {
  it('copies every collection, GridFS contents and intact audit chains; verified by counts', async () => {
    const report = await migrateDatabase({ source: t.db.connection.db!, target: target.connection.db!, logger, batchSize: 7 });
    expect(report.ok).toBe(true);
    const names = report.collections.map((c) => c.name);
    for (const name of ['tickets', 'messages', 'audit_events', 'contacts', 'inboxes', 'users', 'blobs.files', 'blobs.chunks']) expect(names).toContain(name);

    const [sourceCounts, targetCounts] = await Promise.all([counts(t.db.connection), counts(target.connection)]);
    expect(targetCounts).toEqual(sourceCounts);
    expect(sourceCounts.tickets).toBe(12);
    expect(sourceCounts.messages).toBeGreaterThanOrEqual(24);
    expect(await gridFsDigests(target.connection)).toEqual(files);

    const chains = await verifyMigratedChains(target.connection);
    expect(chains).toEqual({ tickets: 12, broken: [] });
    // The chains are really checked: an altered event on the target is reported.
    const one = await target.connection.db!.collection('audit_events').findOne({});
    await target.connection.db!.collection('audit_events').updateOne({ _id: one!._id }, { $set: { dataJson: '{"forged":true}' } });
    expect((await verifyMigratedChains(target.connection)).broken).toHaveLength(1);
    await target.connection.db!.collection('audit_events').replaceOne({ _id: one!._id }, one!);
  });

  it('resumes an interrupted copy without duplicating anything', async () => {
    // As if the first run stopped half-way: part of the messages and a GridFS chunk never arrived.
    const messages = await target.connection.db!.collection('messages').find({}).sort({ _id: 1 }).toArray();
    await target.connection.db!.collection('messages').deleteMany({ _id: { $in: messages.slice(messages.length / 2).map((m) => m._id) } });
    await target.connection.db!.collection('blobs.chunks').deleteOne({});
    const again = await migrateDatabase({ source: t.db.connection.db!, target: target.connection.db!, logger });
    expect(again.ok).toBe(true);
    expect(await counts(target.connection)).toEqual(await counts(t.db.connection));
    expect(await gridFsDigests(target.connection)).toEqual(files);
    // And once more: idempotent.
    const third = await migrateDatabase({ source: t.db.connection.db!, target: target.connection.db!, logger });
    expect(third.collections.every((c) => c.ok && c.target === c.source)).toBe(true);
    expect((await verifyMigratedChains(target.connection)).broken).toEqual([]);
  });

  it('refuses a target holding another install\'s data (it merged them) and a source with nothing to copy', async () => {
    const client = target.connection.getClient();
    const foreign = client.db('someone_else');
    await foreign.collection('tickets').insertOne({ subject: 'not from this install' });
    const merged = await migrateDatabase({ source: t.db.connection.db!, target: foreign, logger }).then(
      (report) => `copied (ok: ${report.ok})`,
      (err: Error) => err.message,
    );
    expect(merged).toContain('already holds data that did not come from this install: tickets (1)');
    expect(await foreign.collection('messages').countDocuments({})).toBe(0);

    // A DATA_DIR or MONGODB_URI that is not the hub's: nothing to copy, and "Done" would have sent the hub to an empty database.
    const fromEmpty = await migrateDatabase({ source: client.db('nothing_here'), target: client.db('fresh'), logger }).then(
      (report) => `copied (ok: ${report.ok})`,
      (err: Error) => err.message,
    );
    expect(fromEmpty).toContain('holds no data');
  });

  it('npm run migrate -- --to … copies, verifies and says what to set next', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts', '--to', cliTarget.uri], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_URI: t.db.uri, SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, out).toBe(0);
    expect(out).toMatch(/ok\s+tickets\s+12 →\s+12/);
    expect(out).toContain('audit chains: 12/12 intact');
    expect(out).toContain(`MONGODB_URI=${cliTarget.uri}`);
    expect(await counts(cliTarget.connection)).toEqual(await counts(t.db.connection));

    const bad = spawn(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts', '--to', 'postgres://x'], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_URI: t.db.uri, SECRET_KEY: TEST_SECRET },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    bad.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await new Promise<number | null>((resolve) => bad.once('exit', resolve))).toBe(2);
    expect(err).toContain('--to must be a mongodb:// or mongodb+srv:// URI');

    // The same copy again into a database holding someone else's data: one line saying so, no stack.
    const foreignUri = cliTarget.uri.replace('/ponte', '/someone_else_cli');
    await cliTarget.connection.getClient().db('someone_else_cli').collection('users').insertOne({ email: 'x@example.test' });
    const refused = spawn(process.execPath, ['--import', 'tsx', 'scripts/migrate.ts', '--to', foreignUri], {
      cwd: process.cwd(),
      env: { PATH: process.env.PATH, HOME: process.env.HOME, MONGODB_URI: t.db.uri, SECRET_KEY: TEST_SECRET, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let refusal = '';
    refused.stderr.on('data', (d: Buffer) => (refusal += d.toString()));
    expect(await new Promise<number | null>((resolve) => refused.once('exit', resolve))).toBe(1);
    expect(refusal).toContain('migrate: the target database someone_else_cli already holds data that did not come from this install: users (1)');
    expect(refusal).not.toMatch(/^\s+at /m);
  }, 120_000);
});
