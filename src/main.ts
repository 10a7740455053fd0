import http from 'node:http';
import { adapterFactories, connectionTesters } from './channels/channel-catalogue.js';
import { ChannelRuntime } from './channels/channel-runtime.js';
import { loadConfig, type Config } from './core/config/config.js';
import { createCore } from './core/create-core.js';
import { resolveInstanceSecret } from './core/crypto/instance-secret.js';
import { connectMongoose, disconnect } from './core/db/connect.js';
import { startDatabase } from './core/db/start-database.js';
import { createLogger } from './core/logging/logger.js';
import { createWebApp } from './web/create-web-app.js';

/** Composition root: config → database → core → channels → web → jobs. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  const db = await startDatabase({ uri: config.database.uri, dataDir: config.database.dataDir, embedded: config.database.embedded, ferretdbBinary: config.database.ferretdbBinary, logger });
  const { secret, source } = await resolveInstanceSecret({ configured: config.secretKey, externalDatabase: Boolean(config.database.uri), dataDir: config.database.dataDir });
  if (source === 'generated') logger.info({ file: `${config.database.dataDir}/secret.key` }, 'generated the instance secret; back it up with the data directory');
  const connection = await connectMongoose(db.uri, logger);

  const channels = new ChannelRuntime(adapterFactories, logger.child({ module: 'channels' }), connectionTesters);
  const core = createCore({ config, connection, logger, secret, channels });
  await core.start();

  const admin = await core.users.ensureAdmin(config.admin.email, config.admin.password);
  if (admin.generatedPassword) {
    // Printed once, on the console only: it is never stored in clear or logged.
    process.stdout.write(`\n  First start: administrator created\n    email:    ${config.admin.email}\n    password: ${admin.generatedPassword}\n  Change it after logging in (or set ADMIN_PASSWORD before the first start).\n\n`);
  } else if (admin.created) {
    logger.info({ email: config.admin.email }, 'administrator created from ADMIN_EMAIL/ADMIN_PASSWORD');
  }

  const host = { listInboxes: () => core.inboxes.list(), channelContext: (id: string) => core.channelContext(id) };
  await channels.startAll(host);
  core.bus.subscribe((event) => {
    if (event.type !== 'inbox.changed') return;
    channels.reload(host, event.inboxId).catch((err: unknown) => logger.error({ err, inboxId: event.inboxId }, 'channel reload failed'));
  });

  const app = createWebApp({ core, logger, databaseKind: db.kind });
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ database: db.kind, url: `http://${config.host}:${port}`, publicUrl: config.publicUrl }, 'Ponte is running');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await channels.stopAll();
    await core.stop();
    await disconnect(connection);
    await db.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  console.error('Ponte failed to start:', err);
  process.exit(1);
});
