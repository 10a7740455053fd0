import http from 'node:http';
import path from 'node:path';
import {
  adapterFactories,
  channelDescriptions,
  channelWebhooks,
  connectionTesters,
  whatsappFactory,
  endpointAdapterFactories,
  endpointConnectionTesters,
} from './channels/channel-catalogue.js';
import { ChannelRuntime } from './channels/channel-runtime.js';
import { createWebchat, ensureDefaultWebchatInbox, type Webchat } from './channels/webchat/create-webchat.js';
import { loadConfig, type Config } from './core/config/config.js';
import { createCore } from './core/create-core.js';
import { resolveInstanceSecret } from './core/crypto/instance-secret.js';
import { connectMongoose, disconnect } from './core/db/connect.js';
import { startDatabase } from './core/db/start-database.js';
import { describeStartFailure } from './core/errors/start-failure.js';
import { watchEmbeddedCapacity } from './core/db/embedded-capacity.js';
import { createLogger } from './core/logging/logger.js';
import { attachRealtime } from './realtime/attach-realtime.js';
import { connectRedisAdapter } from './realtime/redis-adapter.js';
import { createWebApp } from './web/create-web-app.js';
import { assertPortFree } from './web/http/port-free.js';
import { consoleMounts } from './web/mount-console.js';
import { webchatMount } from './web/mount-webchat.js';

/** What a start failure's message may name (set once the configuration is read). */
let startContext: { port: number; host: string; dataDir: string } | undefined;

/** Composition root: config → database → core → channels → web → realtime → jobs. */
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  startContext = { port: config.port, host: config.host, dataDir: config.database.dataDir };
  const logger = createLogger(config.logLevel);
  await assertPortFree(config.port, config.host);
  // Before the database and the jobs: a hub that cannot reach Redis refuses to start instead of running half-way.
  const redis = config.redisUrl ? await connectRedisAdapter(config.redisUrl, logger) : undefined;
  const db = await startDatabase({ uri: config.database.uri, dataDir: config.database.dataDir, embedded: config.database.embedded, ferretdbBinary: config.database.ferretdbBinary, downloadTimeoutMs: config.database.downloadTimeoutMs, logger });
  const { secret, source } = await resolveInstanceSecret({ configured: config.secretKey, externalDatabase: Boolean(config.database.uri), dataDir: config.database.dataDir });
  if (source === 'generated') logger.info({ file: `${config.database.dataDir}/secret.key` }, 'generated the instance secret; back it up with the data directory');
  const connection = await connectMongoose(db.uri, logger);
  const capacity = await watchEmbeddedCapacity(connection, db.kind, logger);

  // The web chat adapter needs the core and the Socket.IO server, so its factory is bound once they exist.
  let webchat: Webchat | undefined;
  const channels = new ChannelRuntime(
    {
      ...adapterFactories,
      ...endpointAdapterFactories(config),
      whatsapp: whatsappFactory({
        chromiumPath: config.platforms.whatsappChromiumPath,
        dataDir: path.join(config.database.dataDir, 'whatsapp'),
        maxAttachmentBytes: config.limits.maxAttachmentBytes,
      }),
      webchat: (inboxId) => webchat!.channel.adapterFactory(inboxId),
    },
    logger.child({ module: 'channels' }),
    { ...connectionTesters, ...endpointConnectionTesters(config) },
  );
  // The embedded database is this process's alone (started here, on a private port); MONGODB_URI may be shared.
  const core = createCore({ config, connection, logger, secret, channels, ownsDatabase: !config.database.uri });
  // What a crash left pending is caught up once the hub listens (below): health and agents are served first.
  await core.start({ deferCatchUp: true });

  const admin = await core.users.ensureAdmin(config.admin.email, config.admin.password);
  if (admin.generatedPassword) {
    // Printed once, on the console only: it is never stored in clear or logged.
    process.stdout.write(`\n  First start: administrator created\n    email:    ${config.admin.email}\n    password: ${admin.generatedPassword}\n  Change it after logging in (or set ADMIN_PASSWORD before the first start).\n\n`);
  } else if (admin.created) {
    logger.info({ email: config.admin.email }, 'administrator created from ADMIN_EMAIL/ADMIN_PASSWORD');
  }

  // A fresh install gets a working channel with no outside account: the website chat.
  webchat = createWebchat({ core, secret, logger });
  const webchatInbox = await ensureDefaultWebchatInbox(core);
  if (webchatInbox.created) logger.info({ inboxId: webchatInbox.id }, 'created the website chat inbox');

  const app = createWebApp({
    core,
    logger,
    databaseKind: db.kind,
    mounts: [webchatMount(webchat.router), ...consoleMounts()],
    webhooks: channelWebhooks,
    channelKinds: channelDescriptions,
    capacity: capacity.current,
    documentedOperations: webchat.operations,
  });
  const server = http.createServer(app);
  const realtime = attachRealtime({ httpServer: server, core, logger, onAgentTyping: (ticket, typing) => void webchat!.channel.agentTyping(ticket, typing), adapter: redis?.adapter });
  webchat.channel.attachSockets(realtime.io, realtime.visitorTyping);

  const host = { listInboxes: () => core.inboxes.list(), channelContext: (id: string) => core.channelContext(id), leases: core.leases };
  await channels.startAll(host);
  core.bus.subscribe((event) => {
    if (event.type !== 'inbox.changed') return;
    channels.reload(host, event.inboxId).catch((err: unknown) => logger.error({ err, inboxId: event.inboxId }, 'channel reload failed'));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ database: db.kind, url: `http://${config.host}:${port}`, publicUrl: config.publicUrl }, 'Ponte is running');
  core.catchUp();
  const local = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  process.stdout.write(`\n  Ponte is ready.\n  Agent console: ${local}/console/\n  Website chat:  ${local}/chat\n\n`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    try {
      await realtime.close();
      await redis?.close();
      webchat?.channel.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await channels.stopAll();
      await core.stop();
      await disconnect(connection);
    } catch (err) {
      // A database that is gone (or never came back) fails the steps that write; the embedded one is still stopped.
      logger.error({ err }, 'shutdown did not finish cleanly; what was pending is taken up at the next start');
      await db.stop().catch(() => undefined);
      process.exit(1);
    }
    await db.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  // No database, DATA_DIR in use, PORT taken…: the message is the whole story; a stack would bury it.
  const told = startContext && describeStartFailure(err, startContext);
  if (told) {
    console.error(`\nPonte cannot start. ${told}\n`);
    process.exit(1);
  }
  console.error('Ponte failed to start:', err);
  process.exit(1);
});
