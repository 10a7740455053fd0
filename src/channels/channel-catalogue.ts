import type { ConnectionReport } from '../core/domain/channel-adapter.js';
import type { ChannelKind } from '../core/domain/channel-kind.js';
import type { ChannelDescription } from '../core/domain/channel-settings-form.js';
import type { ChannelWebhook } from '../core/domain/channel-webhook.js';
import type { AdapterFactory, ChannelPlatform } from './channel-runtime.js';
import { EmailAdapter, parseEmailSettings } from './email/adapter.js';
import { emailDescription } from './email/settings-form.js';
import { testEmailConnection } from './email/test-connection.js';
import { webchatDescription } from './webchat/settings-form.js';
import { TwilioAdapter } from './twilio/adapter.js';
import { smsDescription, voiceDescription } from './twilio/settings-form.js';
import { testTwilioConnection } from './twilio/test-connection.js';
import { smsWebhook, voiceWebhook } from './twilio/webhook.js';

export type ConnectionTester = (settings: Record<string, unknown>, platform?: ChannelPlatform) => Promise<ConnectionReport>;

const twilioOptions = (p: ChannelPlatform) => ({ publicUrl: p.publicUrl, apiBaseUrl: p.twilioApiBaseUrl });

/**
 * Which channel kinds this build can run: a new channel is a folder under `src/channels` plus one line in
 * each table below. (The web chat's adapter factory is bound in `main.ts`: it needs the Socket.IO server.)
 */
export const adapterFactories: Partial<Record<ChannelKind, AdapterFactory>> = {
  email: () => new EmailAdapter(),
  sms: (inboxId, platform) => new TwilioAdapter('sms', inboxId, twilioOptions(platform)),
  voice: (inboxId, platform) => new TwilioAdapter('voice', inboxId, twilioOptions(platform)),
};

/** The webhook half of each webhook channel, mounted at `/webhooks/<kind>/<inboxId>`. */
export const channelWebhooks: Partial<Record<ChannelKind, ChannelWebhook>> = {
  sms: smsWebhook,
  voice: voiceWebhook,
};

export const connectionTesters: Partial<Record<ChannelKind, ConnectionTester>> = {
  email: async (settings) => {
    const { imap, smtp } = await testEmailConnection(parseEmailSettings(settings));
    return { ok: imap.ok && smtp.ok, checks: { imap, smtp } };
  },
  sms: (settings, platform) => testTwilioConnection('sms', settings, platform?.twilioApiBaseUrl),
  voice: (settings, platform) => testTwilioConnection('voice', settings, platform?.twilioApiBaseUrl),
};

/** The console's inbox forms, one per kind this build runs. */
export const channelDescriptions: ChannelDescription[] = [emailDescription, webchatDescription, smsDescription, voiceDescription];
