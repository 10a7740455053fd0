import type { Config } from '../core/config/config.js';
import type { ConnectionReport } from '../core/domain/channel-adapter.js';
import type { ChannelKind } from '../core/domain/channel-kind.js';
import type { ChannelDescription } from '../core/domain/channel-settings-form.js';
import type { ChannelWebhook } from '../core/domain/channel-webhook.js';
import type { AdapterFactory } from './channel-runtime.js';
import { EmailAdapter, parseEmailSettings } from './email/adapter.js';
import { emailDescription } from './email/settings-form.js';
import { testEmailConnection } from './email/test-connection.js';
import { TelegramAdapter } from './telegram/adapter.js';
import { telegramDescription } from './telegram/settings-form.js';
import { testTelegramConnection } from './telegram/test-connection.js';
import { telegramWebhook } from './telegram/webhook.js';
import { webchatDescription } from './webchat/settings-form.js';
import { MessengerAdapter } from './messenger/adapter.js';
import { messengerDescription } from './messenger/settings-form.js';
import { testMessengerConnection } from './messenger/test-connection.js';
import { messengerWebhook } from './messenger/webhook.js';
import { WhatsAppAdapter } from './whatsapp/adapter.js';
import { whatsappDescription } from './whatsapp/settings-form.js';
import { TwilioAdapter } from './twilio/adapter.js';
import { smsDescription, voiceDescription } from './twilio/settings-form.js';
import { testTwilioConnection } from './twilio/test-connection.js';
import { smsWebhook, voiceWebhook } from './twilio/webhook.js';

export type ConnectionTester = (settings: Record<string, unknown>) => Promise<ConnectionReport>;

/**
 * Which channel kinds this build can run: a new channel is a folder under `src/channels` plus one line in
 * each table below. (The web chat's adapter factory is bound in `main.ts`: it needs the Socket.IO server.)
 */
export const adapterFactories: Partial<Record<ChannelKind, AdapterFactory>> = {
  email: () => new EmailAdapter(),
  // main.ts binds it again with the hub's WHATSAPP_CHROMIUM_PATH and DATA_DIR (see `whatsappFactory`).
  whatsapp: () => new WhatsAppAdapter(),
};

/** WhatsApp needs hub settings: the browser to run, the per-process folder for its profile, the attachment limit. */
export const whatsappFactory =
  (options: { chromiumPath: string; dataDir: string; maxAttachmentBytes: number }): AdapterFactory =>
  () =>
    new WhatsAppAdapter(options);

/** The webhook half of each webhook channel, mounted at `/webhooks/<kind>/<inboxId>`. */
export const channelWebhooks: Partial<Record<ChannelKind, ChannelWebhook>> = {
  telegram: telegramWebhook,
  messenger: messengerWebhook,
  sms: smsWebhook,
  voice: voiceWebhook,
};

export const connectionTesters: Partial<Record<ChannelKind, ConnectionTester>> = {
  email: async (settings) => {
    const { imap, smtp } = await testEmailConnection(parseEmailSettings(settings));
    return { ok: imap.ok && smtp.ok, checks: { imap, smtp } };
  },
};

/** The console's inbox forms, one per kind this build runs. */
export const channelDescriptions: ChannelDescription[] = [
  emailDescription,
  webchatDescription,
  telegramDescription,
  messengerDescription,
  whatsappDescription,
  smsDescription,
  voiceDescription,
];

/** What channels need from config (they never read it themselves): platform API roots and our public address. */
export interface ChannelEndpoints {
  publicUrl: Config['publicUrl'];
  platforms: Pick<Config['platforms'], 'telegramApiRoot' | 'graphApiBaseUrl'> & Partial<Pick<Config['platforms'], 'twilioApiBaseUrl'>>;
}

/** Adapter factories that need configured endpoints (a platform's API root); merged over `adapterFactories`. */
export function endpointAdapterFactories(cfg: ChannelEndpoints): Partial<Record<ChannelKind, AdapterFactory>> {
  return {
    telegram: () => new TelegramAdapter({ apiRoot: cfg.platforms.telegramApiRoot, publicUrl: cfg.publicUrl }),
    messenger: () => new MessengerAdapter({ graphApiBaseUrl: cfg.platforms.graphApiBaseUrl }),
    sms: (inboxId) => new TwilioAdapter('sms', inboxId, twilioEndpoints(cfg)),
    voice: (inboxId) => new TwilioAdapter('voice', inboxId, twilioEndpoints(cfg)),
  };
}

/** Connection testers that need configured endpoints; merged over `connectionTesters`. */
export function endpointConnectionTesters(cfg: ChannelEndpoints): Partial<Record<ChannelKind, ConnectionTester>> {
  return {
    telegram: (settings) => testTelegramConnection(settings, cfg.platforms.telegramApiRoot),
    messenger: (settings) => testMessengerConnection(settings, { graphApiBaseUrl: cfg.platforms.graphApiBaseUrl }),
    sms: (settings) => testTwilioConnection('sms', settings, cfg.platforms.twilioApiBaseUrl),
    voice: (settings) => testTwilioConnection('voice', settings, cfg.platforms.twilioApiBaseUrl),
  };
}

const twilioEndpoints = (cfg: ChannelEndpoints) => ({
  publicUrl: cfg.publicUrl,
  apiBaseUrl: cfg.platforms.twilioApiBaseUrl,
});
