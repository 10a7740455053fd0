import type { ConnectionReport } from '../core/domain/channel-adapter.js';
import type { ChannelKind } from '../core/domain/channel-kind.js';
import type { ChannelDescription } from '../core/domain/channel-settings-form.js';
import type { ChannelWebhook } from '../core/domain/channel-webhook.js';
import type { AdapterFactory } from './channel-runtime.js';
import { EmailAdapter, parseEmailSettings } from './email/adapter.js';
import { emailDescription } from './email/settings-form.js';
import { testEmailConnection } from './email/test-connection.js';
import { webchatDescription } from './webchat/settings-form.js';
import { MessengerAdapter } from './messenger/adapter.js';
import { messengerDescription } from './messenger/settings-form.js';
import { testMessengerConnection } from './messenger/test-connection.js';
import { messengerWebhook } from './messenger/webhook.js';

export type ConnectionTester = (settings: Record<string, unknown>) => Promise<ConnectionReport>;

/**
 * Which channel kinds this build can run: a new channel is a folder under `src/channels` plus one line in
 * each table below. (The web chat's adapter factory is bound in `main.ts`: it needs the Socket.IO server.)
 */
export const adapterFactories: Partial<Record<ChannelKind, AdapterFactory>> = {
  email: () => new EmailAdapter(),
};

/** The webhook half of each webhook channel, mounted at `/webhooks/<kind>/<inboxId>`. */
export const channelWebhooks: Partial<Record<ChannelKind, ChannelWebhook>> = {
  messenger: messengerWebhook,
};

/** Platform base URLs from config (`config.platforms`): the adapters of API channels are built with them. */
export interface PlatformUrls {
  graphApiBaseUrl: string;
}

/** Factories and connection testers of the channels that need `PlatformUrls` (bound in `main.ts`). */
export function platformAdapterFactories(urls: PlatformUrls): Partial<Record<ChannelKind, AdapterFactory>> {
  return {
    messenger: () => new MessengerAdapter({ graphApiBaseUrl: urls.graphApiBaseUrl }),
  };
}
export function platformConnectionTesters(urls: PlatformUrls): Partial<Record<ChannelKind, ConnectionTester>> {
  return {
    messenger: (settings) => testMessengerConnection(settings, { graphApiBaseUrl: urls.graphApiBaseUrl }),
  };
}

export const connectionTesters: Partial<Record<ChannelKind, ConnectionTester>> = {
  email: async (settings) => {
    const { imap, smtp } = await testEmailConnection(parseEmailSettings(settings));
    return { ok: imap.ok && smtp.ok, checks: { imap, smtp } };
  },
};

/** The console's inbox forms, one per kind this build runs. */
export const channelDescriptions: ChannelDescription[] = [emailDescription, webchatDescription, messengerDescription];
