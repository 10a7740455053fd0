import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '../logging/logger.js';

// Every query would capture `new Error().stack` when it runs, only to word a "query was already
// executed" error: a measurable share of the ingest path's CPU (more with source maps on).
mongoose.set('skipOriginalStackTraces', true);

// Connections we are closing on purpose: their 'disconnected' event is not worth a warning.
const closing = new WeakSet<Connection>();

/**
 * A dedicated connection (not mongoose's global default) so tests, scripts and the
 * app can hold several at once and models are bound explicitly via connection.model().
 */
export async function connectMongoose(uri: string, logger: Logger, opts: { monitorCommands?: boolean } = {}): Promise<Connection> {
  const log = logger.child({ module: 'mongoose' });
  const connection = mongoose.createConnection(uri, {
    // Indexes are created by ensureIndexes at start (unique ones are how dedupe holds), per server kind.
    autoIndex: false,
    serverSelectionTimeoutMS: 10_000,
    // Command events for profiling (scripts/bench/ingest.ts --profile); off in the app.
    ...(opts.monitorCommands ? { monitorCommands: true } : {}),
  });
  connection.on('disconnected', () => {
    if (!closing.has(connection)) log.warn('database disconnected');
  });
  connection.on('reconnected', () => log.info('database reconnected'));
  await connection.asPromise();
  log.info({ host: connection.host, port: connection.port, db: connection.name }, 'database connected');
  return connection;
}

export async function disconnect(connection: Connection): Promise<void> {
  closing.add(connection);
  await connection.close();
}
