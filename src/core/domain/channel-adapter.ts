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
  attachments: Array<{ fileName: string; mimeType: string; size: number; content: Buffer }>;
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

export interface ChannelAdapter {
  kind: ChannelKind;
  /** Idempotent: register webhook / open IMAP IDLE / boot session. */
  start(ctx: ChannelContext): Promise<void>;
  /** Throws ChannelError{code, retryable} on failure. */
  send(out: OutboundMessage): Promise<SendResult>;
  checkHealth(): Promise<ChannelHealth>;
  stop(): Promise<void>;
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
  /** "Test connection" with the given (decrypted) settings; undefined when the kind has no test. */
  testConnection?(kind: ChannelKind, settings: Record<string, unknown>): Promise<ConnectionReport> | undefined;
}
