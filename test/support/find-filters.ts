import mongoose, { type Connection } from 'mongoose';
import type { TestDatabase } from './test-database.js';

/**
 * Runs `fn` on a second connection to the test database that records the filter of every `find` sent through
 * it: what a read path asks the database, to check its query plan (e.g. "only `{_id}` filters").
 */
export async function recordFindFilters<T>(db: Pick<TestDatabase, 'uri' | 'connection'>, fn: (conn: Connection) => Promise<T>): Promise<{ result: T; filters: unknown[] }> {
  const conn = mongoose.createConnection(db.uri, { dbName: db.connection.name, monitorCommands: true, autoIndex: false });
  await conn.asPromise();
  try {
    const filters: unknown[] = [];
    conn.getClient().on('commandStarted', (e) => {
      if (e.commandName === 'find') filters.push(e.command.filter);
    });
    return { result: await fn(conn), filters };
  } finally {
    await conn.close();
  }
}
