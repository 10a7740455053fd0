import { expect } from 'vitest';
import { connectMongoose, disconnect } from '../../src/core/db/connect.js';
import { createLogger } from '../../src/core/logging/logger.js';
import { eventually } from '../integration/web/web-harness.js';

export const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Kills a supervised embedded database's process with SIGKILL, then checks what its supervisor must give
 * back: a new process on the same address, whose data holds what was committed, read and written again
 * through the connection made before the kill. Stops the database at the end, whatever happened.
 */
export async function expectBackAfterKill(db: { readonly pid?: number | undefined; stop(): Promise<void> }, uri: string, timeoutMs: number): Promise<void> {
  const conn = await connectMongoose(uri, createLogger('silent'));
  try {
    const notes = conn.collection<{ _id: string; body: string }>('notes');
    await notes.insertOne({ _id: 'before', body: 'written before the crash' });
    const first = db.pid!;
    process.kill(first, 'SIGKILL');
    const back = await eventually(async () => {
      if (db.pid === first) return undefined;
      return (await notes.findOne({ _id: 'before' }).catch(() => null)) ?? undefined;
    }, timeoutMs);
    expect(back.body).toBe('written before the crash');
    expect(alive(db.pid!)).toBe(true);
    await notes.insertOne({ _id: 'after', body: 'written after the restart' });
    expect(await notes.countDocuments({})).toBe(2);
  } finally {
    await disconnect(conn);
    await db.stop();
  }
  expect(alive(db.pid!)).toBe(false);
}
