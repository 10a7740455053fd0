import type { ConnectionCheck, ConnectionReport } from '../../../core/domain/channel-adapter.ts';
import type { ChannelDescription, ChannelSettingsField } from '../../../core/domain/channel-settings-form.ts';
import type { InboxHealth as InboxHealthOnServer, PublicInbox } from '../../../core/domain/public-inbox.ts';

/** Shapes of the REST API and the realtime events, as the console uses them. */
export type Role = 'agent' | 'supervisor' | 'admin';
export interface Viewer {
  id: string;
  name: string;
  email: string;
  role: Role;
  departmentIds: string[];
}

export interface TicketSummary {
  id: string;
  number: number;
  subject: string;
  status: string;
  priority: string;
  channel: string;
  inboxId: string;
  contactId: string;
  departmentId: string | null;
  assigneeId: string | null;
  tags: string[];
  lastMessageAt: string;
  slaDueAt: string | null;
  snoozedUntil?: string | null;
  /** The newest message's text, shortened. */
  preview?: string;
}

export interface Contact {
  id: string;
  name: string | null;
  email: string | null;
  phone: string | null;
  identities: string[];
  /** When the customer opted out of a channel (SMS STOP); the composer warns. */
  optedOut?: { sms: string | null };
}

export interface TicketDetail extends TicketSummary {
  contact: Contact | null;
  inbox: { id: string; name: string; kind: string } | null;
  department: { id: string; name: string } | null;
  assignee: { id: string; name: string } | null;
  snoozedUntil: string | null;
  mergedInto: string | null;
  createdAt: string;
  sla: { policy: string; firstResponseDueAt: string | null; resolutionDueAt: string | null };
  firstResponseAt: string | null;
  /** Free text (question, incident, problem, task…); set in the side panel. */
  type?: string | null;
}

export interface Attachment {
  blobId: string;
  fileName: string;
  mimeType: string;
  size: number;
  /** An inline image: the HTML shows it as `cid:<contentId>`. */
  contentId?: string;
  inline?: boolean;
}

export interface Message {
  id: string;
  ticketId: string;
  channel: string;
  direction: 'inbound' | 'outbound' | 'internal';
  kind: 'message' | 'note' | 'system' | 'call';
  authorName: string | null;
  authorType: 'contact' | 'agent' | 'system';
  text: string;
  hasHtml: boolean;
  html?: string | null;
  subject?: string | null;
  attachments: Attachment[];
  deliveryStatus: string;
  occurredAt: string;
  delivery?: { lastError: string | null };
  /** Deleted for everyone by its sender (WhatsApp): kept, shown struck through. */
  /** Changed by its sender after it arrived; the previous text is in the ticket's history. */
  editedAt?: string;
  revoked?: boolean;
  reactions?: Array<{ by: string; emoji: string }>;
  /** Why the message joined this ticket (threading rule + detail), shown under inbound messages. */
  threadReason?: { rule: string; detail?: string } | null;
  /** Call entries: outcome, duration and the voicemail's transcription (the recording is an attachment). */
  call?: {
    direction: 'inbound' | 'outbound';
    status: string;
    durationSeconds: number | null;
    from: string;
    to: string;
    transcription: string | null;
  };
  /** Console only: an optimistic copy not yet confirmed by the server. */
  pending?: 'sending' | 'failed';
  tempId?: string;
}

export interface AuditEvent {
  seq: number;
  type: string;
  actor: { type: string; id?: string; name?: string };
  data: Record<string, unknown>;
  at: string;
}

export interface User {
  id: string;
  name: string;
  email: string;
  role: Role;
  departmentIds: string[];
  active: boolean;
  locale: 'en' | 'pt' | 'es';
}
export interface Department {
  id: string;
  name: string;
}
/** Dates arrive as ISO strings over JSON. */
export type Wire<T> = T extends Date
  ? string
  : T extends ReadonlyArray<infer U>
    ? Array<Wire<U>>
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;
/** The server's own types (src/core/domain holds them free of Node and database types for this reason). */
export type Inbox = Wire<PublicInbox>;
export type InboxHealth = Wire<InboxHealthOnServer>;
export type { ChannelDescription, ChannelSettingsField, ConnectionCheck, ConnectionReport };
export interface Canned {
  id: string;
  shortcut: string;
  title: string;
  body: string;
}

export type Presence = 'online' | 'away' | 'offline';
export interface TicketViewer {
  userId: string;
  name: string;
  activity: 'viewing' | 'replying' | 'noting';
  typing: boolean;
}

/** `GET /api/tickets/:id/reply-window`: whether the platform takes a reply now (Messenger's 24-hour rule). */
export interface ReplyWindow {
  open: boolean;
  closesAt: string | null;
  canReply: boolean;
  detail?: string;
}
