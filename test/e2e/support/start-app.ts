import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import {
  adapterFactories,
  channelDescriptions,
  channelWebhooks,
  connectionTesters,
  endpointAdapterFactories,
  endpointConnectionTesters,
  whatsappFactory,
} from '../../../src/channels/channel-catalogue.js';
import { ChannelRuntime, type AdapterFactory } from '../../../src/channels/channel-runtime.js';
import { createWebchat, ensureDefaultWebchatInbox, type Webchat } from '../../../src/channels/webchat/create-webchat.js';
import { loadConfig } from '../../../src/core/config/config.js';
import type { ChannelKind } from '../../../src/core/domain/channel-kind.js';
import type { ChannelDescription } from '../../../src/core/domain/channel-settings-form.js';
import { createCore, type Core } from '../../../src/core/create-core.js';
import { createLogger } from '../../../src/core/logging/logger.js';
import type { Clock } from '../../../src/core/time/clock.js';
import { attachRealtime, type Realtime } from '../../../src/realtime/attach-realtime.js';
import { createWebApp } from '../../../src/web/create-web-app.js';
import { consoleMounts } from '../../../src/web/mount-console.js';
import { webchatMount } from '../../../src/web/mount-webchat.js';
import { TEST_SECRET } from '../../support/test-core.js';
import { startTestDatabase, type TestDatabase } from '../../support/test-database.js';

export interface RunningApp {
  url: string;
  core: Core;
  realtime: Realtime;
  webchat: Webchat;
  webchatInboxId: string;
  channels: ChannelRuntime;
  /** The embedded database's process id (benchmarks). */
  databasePid: number | undefined;
  databaseKind: string;
  stop(): Promise<void>;
}

/**
 * The whole app as src/main.ts composes it (core → channels → web → realtime),
 * on its own FerretDB and a random port, for browser tests and benchmarks.
 */
export interface StartAppOptions {
  logLevel?: string;
  databaseUri?: string | undefined;
  /**
   * Also run the channel catalogue as main.ts does: every kind's adapter (platform API roots from `env`, e.g.
   * `TELEGRAM_API_ROOT` pointing at a loopback stand-in), connection tester, webhook and
   * settings form, and restart an inbox's adapter on `inbox.changed` (the settings screen tests need it).
   */
  catalogue?: boolean;
  /** Kinds a test adds to the catalogue's (a stand-in description and adapter), e.g. for another branch's channel. */
  extraChannels?: { descriptions: ChannelDescription[]; factories: Partial<Record<ChannelKind, AdapterFactory>> };
  /** The core's clock (SLA due times and alerts, automation): a test moves it (test/support/test-clock.ts). */
  clock?: Clock;
  /** Emit the driver's command events (benchmarks' per-command profile). */
  monitorCommands?: boolean;
}

export async function startApp(env: Record<string, string> = {}, opts: StartAppOptions = {}): Promise<RunningApp> {
  const db: TestDatabase = await startTestDatabase({ uri: opts.databaseUri, monitorCommands: opts.monitorCommands ?? false });
  const config = loadConfig({
    LOG_LEVEL: opts.logLevel ?? process.env.TEST_LOG_LEVEL ?? 'silent',
    JOBS_POLL_MS: '100',
    OUTBOUND_BACKOFF_BASE_MS: '50',
    OUTBOUND_BACKOFF_MAX_MS: '500',
    INGEST_SWEEP_INTERVAL_MS: '600000',
    DATA_DIR: db.dataDir,
    ...env,
  });
  const logger = createLogger(config.logLevel);

  let webchat: Webchat | undefined;
  const channels = new ChannelRuntime(
    {
      ...(opts.catalogue
        ? {
            ...adapterFactories,
            ...endpointAdapterFactories(config),
            whatsapp: whatsappFactory({
              chromiumPath: config.platforms.whatsappChromiumPath,
              dataDir: path.join(config.database.dataDir, 'whatsapp'),
              maxAttachmentBytes: config.limits.maxAttachmentBytes,
            }),
          }
        : {}),
      ...opts.extraChannels?.factories,
      webchat: (inboxId) => webchat!.channel.adapterFactory(inboxId),
    },
    logger.child({ module: 'channels' }),
    opts.catalogue ? { ...connectionTesters, ...endpointConnectionTesters(config) } : {},
  );
  // Its own embedded database, like `npm start` (a given URI may be shared).
  const core = createCore({ config, connection: db.connection, logger, secret: TEST_SECRET, channels, ownsDatabase: !opts.databaseUri, ...(opts.clock ? { clock: opts.clock } : {}) });
  await core.start();
  webchat = createWebchat({ core, secret: TEST_SECRET, logger });
  const { id: webchatInboxId } = await ensureDefaultWebchatInbox(core);

  const app = createWebApp({
    core,
    logger,
    databaseKind: 'ferretdb',
    mounts: [webchatMount(webchat.router), ...consoleMounts()],
    documentedOperations: webchat.operations,
    ...(opts.catalogue ? { webhooks: channelWebhooks, channelKinds: [...channelDescriptions, ...(opts.extraChannels?.descriptions ?? [])] } : {}),
  });
  const server = http.createServer(app);
  const realtime = attachRealtime({
    httpServer: server,
    core,
    logger,
    onAgentTyping: (ticket, typing) => void webchat!.channel.agentTyping(ticket, typing),
  });
  webchat.channel.attachSockets(realtime.io, realtime.visitorTyping);
  const host = {
    listInboxes: () => core.inboxes.list(),
    channelContext: (id: string) => core.channelContext(id),
    ...(opts.catalogue ? { leases: core.leases } : {}),
  };
  await channels.startAll(host);
  if (opts.catalogue) {
    core.bus.subscribe((event) => {
      if (event.type !== 'inbox.changed') return;
      channels.reload(host, event.inboxId).catch((err: unknown) => logger.error({ err, inboxId: event.inboxId }, 'channel reload failed'));
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    core,
    realtime,
    webchat,
    webchatInboxId,
    channels,
    // The current process: the embedded FerretDB gets a new one when restarted after a crash.
    get databasePid() {
      return db.pid;
    },
    databaseKind: db.kind,
    async stop() {
      await realtime.close();
      webchat!.channel.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await channels.stopAll();
      await core.stop();
      await db.stop();
    },
  };
}
