import type { ConnectionReport } from '../core/domain/channel-adapter.js';
import type { ChannelKind } from '../core/domain/channel-kind.js';
import type { AdapterFactory } from './channel-runtime.js';
import { EmailAdapter, parseEmailSettings } from './email/adapter.js';
import { testEmailConnection } from './email/test-connection.js';

export type ConnectionTester = (settings: Record<string, unknown>) => Promise<ConnectionReport>;

/** Which channel kinds this build can run, and how to test their settings. */
export const adapterFactories: Partial<Record<ChannelKind, AdapterFactory>> = {
  email: () => new EmailAdapter(),
};

export const connectionTesters: Partial<Record<ChannelKind, ConnectionTester>> = {
  email: async (settings) => {
    const { imap, smtp } = await testEmailConnection(parseEmailSettings(settings));
    return { ok: imap.ok && smtp.ok, checks: { imap, smtp } };
  },
};
