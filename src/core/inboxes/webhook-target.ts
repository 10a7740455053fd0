import type { ChannelKind } from '../domain/channel-kind.js';

/** What the webhook router needs to know of an inbox, settings decrypted. */
export interface WebhookTarget {
  id: string;
  kind: ChannelKind;
  settings: Readonly<Record<string, unknown>>;
  /** The inbox's `publicUrl` setting (behind a proxy the platform may call another address) or `PUBLIC_URL`. */
  publicBaseUrl: string;
}

export interface WebhookInboxes {
  /** Throws NotFoundError for an unknown or disabled inbox. */
  webhookTarget(inboxId: string): Promise<WebhookTarget>;
}

/** The base of the URL a platform signs: the per-inbox override when set, without a trailing slash. */
export function publicBaseUrlOf(settings: Record<string, unknown>, hubPublicUrl: string): string {
  const override = typeof settings.publicUrl === 'string' ? settings.publicUrl.trim() : '';
  return (override || hubPublicUrl).replace(/\/+$/, '');
}

/** Where the platform should call: shown in the console to paste into Twilio, Meta, … */
export const webhookUrlOf = (base: string, kind: ChannelKind, inboxId: string) => `${base}/webhooks/${kind}/${inboxId}`;
