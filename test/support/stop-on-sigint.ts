/**
 * A child for ferretdb-terminal-signal.test.ts: starts the embedded database (argv: data folder, then
 * `ferretdb` or `memory-server`) as the hub does, and on SIGINT
 * (a terminal's Ctrl+C reaches every process of the foreground group) writes one document after a pause,
 * as the hub's own shutdown writes its stop snapshot, then stops the database. Prints what happened.
 */
import { connectMongoose, disconnect } from '../../src/core/db/connect.js';
import { startDatabase } from '../../src/core/db/start-database.js';
import { createLogger } from '../../src/core/logging/logger.js';

const dataDir = process.argv[2]!;
const embedded = process.argv[3] === 'memory-server' ? 'memory-server' : 'ferretdb';
const logger = createLogger('silent');
const db = await startDatabase({ dataDir, embedded, ferretdbBinary: process.env.FERRETDB_BINARY, logger });
const conn = await connectMongoose(db.uri, logger);
process.on('SIGINT', () => {
  void (async () => {
    await new Promise((r) => setTimeout(r, 1_000));
    const written = await conn
      .collection('notes')
      .insertOne({ at: new Date() }, { timeoutMS: 3_000 })
      .then(
        () => 'written',
        (err: unknown) => `failed: ${(err as Error).message}`,
      );
    console.log(`after SIGINT: ${written}`);
    await disconnect(conn).catch(() => undefined);
    await db.stop();
    process.exit(0);
  })();
});
console.log(`ready ${db.pid}`);
