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

/**
 * A SIGTERM or Ctrl+C before the hub is ready. Node's default for both ends the process on the spot: the channel
 * sessions claimed so far stayed claimed until their lease expired, and DATA_DIR/ponte.lock stayed behind. Now
 * the start-up stops after the step under way (`checkpoint`) and undoes what it took, newest first.
 */
let abortedBy: NodeJS.Signals | undefined;
class StartUpAborted extends Error {
  override name = 'StartUpAborted';
}
const taken: Array<{ what: string; undo: () => Promise<unknown> }> = [];
/** Called when something that must be given back was started. */
function took(what: string, undo: () => Promise<unknown>): void {
  taken.push({ what, undo });
}
/** Between start-up steps: stop here when a signal came. */
function checkpoint(): void {
  if (abortedBy) throw new StartUpAborted(`start-up stopped by ${abortedBy}`);
}
/** As long as a ready hub's shutdown may take; a step that hangs longer is not waited for. */
const STOP_GRACE_MS = 15_000;

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
  startUpLogger = logger;
  // Until the hub is ready a signal stops the start-up; then `shutdown` (below) takes over.
  let shutdown: ((signal: NodeJS.Signals) => Promise<void>) | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (shutdown) return void shutdown(signal);
    if (abortedBy) {
      logger.warn({ signal }, 'second signal during start-up: exiting now');
      process.exit(1);
    }
    abortedBy = signal;
    logger.info({ signal }, 'signal during start-up: stopping the start-up after the step under way, then undoing what it started');
    setTimeout(() => {
      logger.error({ signal, stillTaken: taken.map((t) => t.what) }, `start-up did not stop within ${STOP_GRACE_MS / 1000} s; exiting (channel sessions it claimed are taken over once their lease expires)`);
      process.exit(1);
    }, STOP_GRACE_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  await assertPortFree(config.port, config.host);
  checkpoint();
  // Before the database and the jobs: a hub that cannot reach Redis refuses to start instead of running half-way.
  const redis = config.redisUrl ? await connectRedisAdapter(config.redisUrl, logger) : undefined;
  if (redis) took('redis', () => redis.close());
  checkpoint();
  const db = await startDatabase({ uri: config.database.uri, dataDir: config.database.dataDir, embedded: config.database.embedded, ferretdbBinary: config.database.ferretdbBinary, downloadTimeoutMs: config.database.downloadTimeoutMs, logger });
  took('database', () => db.stop());
  checkpoint();
  const { secret, source } = await resolveInstanceSecret({ configured: config.secretKey, externalDatabase: Boolean(config.database.uri), dataDir: config.database.dataDir });
  if (source === 'generated') logger.info({ file: `${config.database.dataDir}/secret.key` }, 'generated the instance secret; back it up with the data directory');
  checkpoint();
  const connection = await connectMongoose(db.uri, logger);
  took('database connection', () => disconnect(connection));
  checkpoint();
  const capacity = await watchEmbeddedCapacity(connection, db.kind, logger);
  checkpoint();

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
  took('core (jobs, sweepers)', () => core.stop());
  await core.start({ deferCatchUp: true });
  checkpoint();

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
  checkpoint();

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
  took('realtime', async () => {
    await realtime.close();
    webchat?.channel.close();
  });

  const host = { listInboxes: () => core.inboxes.list(), channelContext: (id: string) => core.channelContext(id), leases: core.leases };
  // Before the first inbox starts: one that starts and then fails the ones after it still has its session stopped and lease released.
  took('channel sessions', () => channels.stopAll());
  // channels.startAll, one inbox at a time, so that a signal stops the start-up between inboxes (each may wait on a far-away server).
  for (const inbox of await host.listInboxes()) {
    checkpoint();
    if (inbox.enabled) await channels.startOne(host, inbox.id, inbox.kind);
  }
  checkpoint();
  core.bus.subscribe((event) => {
    if (event.type !== 'inbox.changed') return;
    channels.reload(host, event.inboxId).catch((err: unknown) => logger.error({ err, inboxId: event.inboxId }, 'channel reload failed'));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  took('web server', () => new Promise<void>((resolve) => server.close(() => resolve())));
  checkpoint();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ database: db.kind, url: `http://${config.host}:${port}`, publicUrl: config.publicUrl }, 'Ponte is running');
  core.catchUp();
  const local = `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${port}`;
  process.stdout.write(`\n  Ponte is ready.\n  Agent console: ${local}/console/\n  Website chat:  ${local}/chat\n\n`);

  let stopping = false;
  shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), STOP_GRACE_MS);
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
}

let startUpLogger: ReturnType<typeof createLogger> | undefined;

/** Gives back what the start-up took, newest first; each step on its own, so one that fails does not keep the others. */
async function undoStartUp(): Promise<void> {
  for (const { what, undo } of taken.reverse()) {
    try {
      await undo();
    } catch (err) {
      startUpLogger?.warn({ err, what }, 'could not undo a start-up step');
    }
  }
}

main().catch(async (err: unknown) => {
  if (abortedBy) {
    // The step under way may have failed because of the signal (a closed connection): either way, stop here.
    if (!(err instanceof StartUpAborted)) startUpLogger?.info({ err }, 'the start-up step under way ended with an error after the signal');
    await undoStartUp(); // bounded by the timer the signal started
    startUpLogger?.info({ signal: abortedBy }, 'start-up stopped; everything it started is stopped');
    process.exit(0);
  }
  // No database, DATA_DIR in use, PORT taken…: the message is the whole story; a stack would bury it.
  const told = startContext && describeStartFailure(err, startContext);
  if (told) console.error(`\nPonte cannot start. ${told}\n`);
  else console.error('Ponte failed to start:', err);
  // A step that failed late leaves channel sessions claimed and the database running: give them back, within bounds.
  await Promise.race([undoStartUp(), new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref())]);
  process.exit(1);
});
