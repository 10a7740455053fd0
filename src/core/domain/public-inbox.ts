import type { ChannelKind } from './channel-kind.js';

/**
 * An inbox as the API returns it. Kept free of database and Node types so the console imports it as is
 * (over JSON its dates are ISO strings).
 */
export type InboxSettingValue = string | number | boolean;

export interface InboxHealth {
  status: 'ok' | 'degraded' | 'down' | 'unknown';
  /** The last error or state text (e.g. "IMAP: authentication failed", "logged out"). */
  detail?: string;
  /** A pairing QR code's text (WhatsApp); only admins receive it. */
  qr?: string;
  checkedAt?: Date;
}

export interface PublicInbox {
  id: string;
  kind: ChannelKind;
  name: string;
  departmentId: string | null;
  enabled: boolean;
  reopenWindowDays: number | null;
  /** Non-secret settings; one level of grouping (`imap: { host, port }`). */
  settings: Record<string, InboxSettingValue | Record<string, InboxSettingValue>>;
  /** Names of the secrets that are set; their values never leave the server. */
  secretKeys: string[];
  health: InboxHealth;
  /** Where the platform must send this inbox's webhooks (every kind has the route; webhook channels use it). */
  webhookUrl: string;
  /** The hub process running the inbox's stateful session (IMAP, WhatsApp, Telegram polling), if any. */
  session: { holder: string; expiresAt: Date } | null;
  createdAt: Date;
}
