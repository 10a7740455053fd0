import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { MongoClient } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NoDatabaseError, startDatabase } from '../../src/core/db/start-database.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { startMongoDownloadStandIn, type MongoDownloadStandIn } from '../standins/mongodb-download.js';

/**
 * The embedded database choice on a machine without a MongoDB binary: the download is tried
 * (against a stand-in on 127.0.0.1, never the real site), bounded, with progress in the log; then
 * FerretDB; then one message with the two ways out.
 */

function capturedLogger(): { logger: ReturnType<typeof createLogger>; lines: () => Array<Record<string, unknown>> } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d: Buffer) => (text += d.toString()));
  const logger = createLogger('info', { pretty: false, destination: stream });
  return { logger, lines: () => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

let dataDir: string;
let standIn: MongoDownloadStandIn | undefined;

async function useStandIn(mode: 'fail' | 'slow'): Promise<MongoDownloadStandIn> {
  standIn = await startMongoDownloadStandIn(mode, path.join(dataDir, 'mongodb-binaries'));
  for (const [k, v] of Object.entries(standIn.env)) vi.stubEnv(k, v);
  // No binary may be found by other means on the test machine.
  vi.stubEnv('MONGOMS_SYSTEM_BINARY', undefined);
  return standIn;
}

beforeEach(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'ponte-db-choice-'));
});
afterEach(async () => {
  vi.unstubAllEnvs();
  await standIn?.close();
  standIn = undefined;
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe('embedded database choice without a MongoDB binary', () => {
  it('tries the download, and when it fails uses FerretDB and says why', async () => {
    const site = await useStandIn('fail');
    const { logger, lines } = capturedLogger();
    const db = await startDatabase({ dataDir, embedded: 'auto', ferretdbBinary: process.env.FERRETDB_BINARY, logger });
    try {
      expect(site.requests()).toBeGreaterThan(0);
      expect(db.kind).toBe('ferretdb');
      expect(db.reason).toMatch(/MongoDB download failed: .*404/);
      const messages = lines().map((l) => l.msg);
      expect(messages.some((m) => /downloading MongoDB/.test(String(m)))).toBe(true);
      expect(messages).toContain('embedded FerretDB started');
    } finally {
      await db.stop();
    }
  });

  it('bounds a slow download by the timeout, logging progress meanwhile, then uses FerretDB', async () => {
    const site = await useStandIn('slow');
    const { logger, lines } = capturedLogger();
    const started = Date.now();
    const db = await startDatabase({ dataDir, embedded: 'auto', ferretdbBinary: process.env.FERRETDB_BINARY, downloadTimeoutMs: 8000, logger });
    try {
      expect(site.requests()).toBe(1);
      expect(db.kind).toBe('ferretdb');
      expect(db.reason).toContain('MongoDB download did not finish within 8 s');
      const progress = lines().filter((l) => typeof l.progress === 'string');
      expect(progress.length, JSON.stringify(lines())).toBeGreaterThan(0);
      expect(String(progress[0]!.msg)).toMatch(/^Downloading MongoDB .*\d+(\.\d+)?% \(.*mb \/ 60mb\)/);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await db.stop();
    }
  });

  it('keeps an install whose data is in FerretDB on FerretDB, without downloading', async () => {
    const site = await useStandIn('fail');
    const logger = createLogger('silent');
    const earlier = await startDatabase({ dataDir, embedded: 'ferretdb', ferretdbBinary: process.env.FERRETDB_BINARY, logger });
    const client = new MongoClient(earlier.uri);
    await client.db().collection('tickets').insertOne({ subject: 'written on FerretDB' });
    await client.close();
    await earlier.stop();

    const db = await startDatabase({ dataDir, embedded: 'auto', ferretdbBinary: process.env.FERRETDB_BINARY, logger });
    try {
      expect(db.kind).toBe('ferretdb');
      expect(db.reason).toContain('holds this install');
      expect(db.reason).toContain('npm run migrate');
      expect(site.requests()).toBe(0);
      const again = new MongoClient(db.uri);
      expect(await again.db().collection('tickets').countDocuments({ subject: 'written on FerretDB' })).toBe(1);
      await again.close();
    } finally {
      await db.stop();
    }
  });

  it('with neither MongoDB nor a way to run FerretDB, fails with one message naming the two ways out', async () => {
    const site = await useStandIn('fail');
    // No go and no mongod on PATH, no prebuilt launcher: a Node-only machine, offline.
    const emptyBin = path.join(dataDir, 'bin');
    const launcherDir = path.join(dataDir, 'launcher');
    await fs.mkdir(emptyBin);
    await fs.mkdir(launcherDir);
    vi.stubEnv('PATH', emptyBin);
    const { logger, lines } = capturedLogger();
    const err = await startDatabase({ dataDir, embedded: 'auto', ferretdbLauncherDir: launcherDir, logger }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(site.requests()).toBeGreaterThan(0);
    expect(err).toBeInstanceOf(NoDatabaseError);
    const message = (err as Error).message;
    expect(message).toContain('MongoDB download failed');
    expect(message).toContain('the FerretDB launcher is not built and no go on PATH');
    expect(message).toContain('MONGODB_URI=mongodb://');
    expect(message).toContain('Install Go 1.24 or newer');
    // Said once, in the log, as an error.
    expect(lines().filter((l) => l.level === 50 && String(l.msg).includes('Two ways out'))).toHaveLength(1);
  });
});
