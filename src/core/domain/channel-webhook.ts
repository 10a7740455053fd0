import type { InboundEventInput } from './inbound-event.js';

/**
 * The webhook half of the channel contract. One router (`src/web/webhooks/webhook-router.ts`) mounts every
 * channel's webhook at `/webhooks/<kind>/<inboxId>` and does, in this order: look the inbox up (unknown or
 * disabled → 404) → read the raw body (over the limit → 413) → `verify` (false → 403, nothing stored) →
 * `parse` (`WebhookPayloadError` → 400) → store the events (a duplicate counts as success) → `respond`.
 * The response is sent only after the events are stored, so a platform's retry after our crash is safe.
 * `verify` and `parse` are pure (no I/O): media is fetched later, during processing (`fetchMedia`).
 */
export interface WebhookRequest {
  method: 'GET' | 'POST';
  inboxId: string;
  /** The body exactly as received: signatures are computed over these bytes. */
  rawBody: Buffer;
  /** Lower-cased header names. */
  headers: Readonly<Record<string, string | undefined>>;
  query: URLSearchParams;
  /**
   * The URL the platform called, as the platform saw it: the inbox's `publicUrl` setting or the hub's
   * `PUBLIC_URL`, then `/webhooks/<kind>/<inboxId>` and the query string exactly as received. Twilio signs it.
   */
  publicUrl: string;
  /** Decrypted inbox settings (public and secret merged). Never log them. */
  settings: Readonly<Record<string, unknown>>;
}

export interface WebhookResponse {
  status: number;
  contentType?: string;
  body?: string;
}

/** What `parse` found: events to store, or a reply to give at once (a verification handshake, a ping). */
export type WebhookParseResult =
  | { kind: 'events'; events: InboundEventInput[] }
  | { kind: 'reply'; response: WebhookResponse };

export interface WebhookStoreResult {
  accepted: number;
  duplicates: number;
}

export interface ChannelWebhook {
  /** Which methods the platform uses; others answer 405. */
  methods: ReadonlyArray<'GET' | 'POST'>;
  /** Signature / secret check over the raw bytes, constant-time. No I/O. */
  verify(req: WebhookRequest): boolean;
  /** Pure: payload → events. Throws `WebhookPayloadError` on a malformed body. */
  parse(req: WebhookRequest): WebhookParseResult;
  /** The answer the platform expects once the events are stored (TwiML, `EVENT_RECEIVED`, `{}`). */
  respond(result: WebhookStoreResult, req: WebhookRequest): WebhookResponse;
}

/** A body the platform should never have sent: answered 400, reason logged, nothing stored. */
export class WebhookPayloadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookPayloadError';
  }
}
