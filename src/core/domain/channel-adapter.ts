import type { Logger } from 'pino';
import type { ChannelKind } from './channel-kind.js';
import type { InboundEventInput } from './inbound-event.js';

/** What the core hands an adapter to deliver. Never contains internal notes. */
export interface OutboundMessage {
  messageId: string;
  ticketId: string;
  ticketNumber: number;
  inboxId: string;
  /** Where it goes: the customer's handle on this channel (chat id, phone, email address). */
  to: { handle: string; displayName?: string; email?: string; phone?: string };
  conversationId?: string;
  subject?: string;
  text: string;
  html?: string;
  /** Sent by Ponte itself (auto-acknowledgement), not by an agent: email marks it Auto-Submitted. */
  automatic?: boolean;
  /** The replying agent's name (absent for Ponte's own messages): the web chat shows it to the visitor. */
  authorName?: string;
  attachments: Array<{ fileName: string; mimeType: string; size: number; content: Buffer }>;
  /** When the customer last wrote in this ticket: chat platforms with a reply window (Messenger) need it. */
  lastCustomerMessageAt?: Date;
  /** Email: Message-ID we assign, and the thread headers to set. */
  threading: { messageId?: string; inReplyTo?: string; references?: string[]; quotedProviderMessageId?: string };
}

export interface SendResult {
  providerMessageId: string;
  sentAt: Date;
}

export interface ChannelHealth {
  status: 'ok' | 'degraded' | 'down' | 'unknown';
  detail?: string;
  /** A session waiting to be paired (WhatsApp): the QR code's text, drawn by the console. */
  qr?: string;
  checkedAt: Date;
}

/** Small durable key/value state per inbox (IMAP cursor, session flags). Values are JSON. */
export interface ChannelStateStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
}

/** Durable blob storage (GridFS) for raw sources kept for audit, e.g. the original .eml. */
export interface BlobStore {
  put(fileName: string, mimeType: string, content: Buffer): Promise<string>;
  get(id: string): Promise<Buffer>;
  /** Removes a blob a channel replaced (an older WhatsApp session archive); a missing id is no error. */
  delete(id: string): Promise<void>;
}

export interface ChannelContext {
  inboxId: string;
  state: ChannelStateStore;
  blobs: BlobStore;
  /** Decrypted settings; never log them. */
  settings: Record<string, unknown>;
  /** Pull/session channels (IMAP, WhatsApp) push what they receive here; it resolves once stored. */
  emit(events: InboundEventInput[]): Promise<{ accepted: number; duplicates: number }>;
  reportHealth(health: Omit<ChannelHealth, 'checkedAt'>): Promise<void>;
  logger: Logger;
}

/** A platform file the adapter can download (Telegram `file_id`, a Twilio media URL, a Graph attachment URL). */
export interface RemoteMedia {
  remoteRef: string;
  fileName: string;
  mimeType: string;
}
export interface FetchedMedia {
  content: Buffer;
  mimeType?: string;
  fileName?: string;
}

/**
 * Whether a reply can go now on a platform that limits replies to a time after the customer's last message
 * (Messenger: 24 hours; beyond it only with the HUMAN_AGENT tag, up to 7 days, where the inbox enables it).
 */
export interface ReplyWindow {
  /** Inside the platform's standard window. */
  open: boolean;
  /** When the standard window closes (closed: when it closed); null when the customer never wrote. */
  closesAt: Date | null;
  /** A reply can still be sent (open, or an allowed exception such as a message tag). */
  canReply: boolean;
  /** For the agent: why not, or how it will go (e.g. "sent with the HUMAN_AGENT tag"). */
  detail?: string;
}

/** What a platform tells about a customer (Messenger's profile API), kept on a contact that has no name. */
export interface SenderProfile {
  displayName?: string;
  avatarUrl?: string;
}

export interface ChannelAdapter {
  kind: ChannelKind;
  /**
   * Runs in every hub process (several may serve one database): what sending and webhooks need (a client,
   * `setWebhook`). Idempotent.
   */
  start(ctx: ChannelContext): Promise<void>;
  /**
   * The stateful part that must run in exactly one process per inbox (IMAP poller, WhatsApp session,
   * Telegram long polling). The runtime calls it only while this process holds the inbox's session lease
   * (`core/inboxes/session-lease.ts`), and `stopSession` when the lease is lost or released.
   */
  startSession?(ctx: ChannelContext): Promise<void>;
  stopSession?(): Promise<void>;
  /** Throws ChannelError{code, retryable} on failure. */
  send(out: OutboundMessage): Promise<SendResult>;
  /**
   * Downloads an attachment a webhook announced by reference (`InboundAttachment.remoteRef`); called by the
   * core while processing the stored event, never while answering the webhook. Throws ChannelError.
   */
  fetchMedia?(media: RemoteMedia, maxBytes: number): Promise<FetchedMedia>;
  /**
   * Phone channels: a call-back to `customer` (the agent's phone rings first). The adapter reports the
   * call through ingest (a call entry); the promise resolves once the platform accepted it. Throws ChannelError.
   */
  startCall?(customer: string): Promise<{ providerCallId: string }>;
  /**
   * The sender's name and picture, for a message from a contact the core knows by no name yet (the platform's
   * webhook carries only an id); called while processing the stored event, once per unnamed contact.
   */
  profileFor?(handle: string): Promise<SenderProfile | undefined>;
  /** Reply-window rule of the platform, asked before an agent's reply is queued (refused when `!canReply`). */
  replyWindow?(lastCustomerMessageAt: Date | undefined, now: Date): ReplyWindow;
  checkHealth(): Promise<ChannelHealth>;
  stop(): Promise<void>;
  /**
   * "Log out / new QR" (paired-session channels, e.g. WhatsApp): unpair, forget the stored session and start
   * pairing again. Callable in any hub process (the session holder acts on it).
   */
  resetSession?(): Promise<void>;
}

/** One named check of a connection test (e.g. `imap`, `smtp`), with a precise cause on failure. */
export type ConnectionCheck = { ok: true; durationMs: number } | { ok: false; code: string; message: string; durationMs: number };
export interface ConnectionReport {
  ok: boolean;
  checks: Record<string, ConnectionCheck>;
}

/** The port the core uses to reach channels; implemented by the channel runtime. */
export interface ChannelRegistry {
  adapterFor(inboxId: string): ChannelAdapter | undefined;
  /** The kinds this build can run; an inbox of another kind is refused at creation. Undefined: no check. */
  availableKinds?(): ReadonlyArray<ChannelKind>;
  /** "Test connection" with the given (decrypted) settings; undefined when the kind has no test. */
  testConnection?(kind: ChannelKind, settings: Record<string, unknown>): Promise<ConnectionReport> | undefined;
}
