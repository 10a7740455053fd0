import mongoose, { type Connection } from 'mongoose';
import type { Logger } from '../logging/logger.js';

// Connections we are closing on purpose: their 'disconnected' event is not worth a warning.
const closing = new WeakSet<Connection>();

/**
 * A dedicated connection (not mongoose's global default) so tests, scripts and the
 * app can hold several at once and models are bound explicitly via connection.model().
 */
export async function connectMongoose(uri: string, logger: Logger): Promise<Connection> {
  const log = logger.child({ module: 'mongoose' });
  const connection = mongoose.createConnection(uri, {
    // Unique indexes are how we get correctness (dedupe, identities); build them on model init.
    autoIndex: true,
    serverSelectionTimeoutMS: 10_000,
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
