import type { ConnectionCheck, ConnectionReport } from '../../../core/domain/channel-adapter.ts';
import type { ChannelDescription, ChannelSettingsField } from '../../../core/domain/channel-settings-form.ts';
import type { InboxHealth as InboxHealthOnServer, PublicInbox } from '../../../core/domain/public-inbox.ts';
import type { MessageView, TicketSummary as TicketSummaryOnServer } from '../../../core/events/domain-events.ts';
import type { toContactView } from '../../views/contact-view.ts';
import type { toTicketDetailView } from '../../views/ticket-detail-view.ts';
import type { toDepartmentView } from '../../views/department-view.ts';
import type { toUserView } from '../../views/user-view.ts';

/** Shapes of the REST API and the realtime events, as the console uses them. */
export type Role = 'agent' | 'supervisor' | 'admin';
export interface Viewer {
  id: string;
  name: string;
  email: string;
  role: Role;
  departmentIds: string[];
  /** The account's own language; the console follows it. */
  locale?: 'en' | 'pt' | 'es';
}

/** The server's zod-inferred views (src/core/events/domain-events.ts): a change there breaks this build. */
export type TicketSummary = TicketSummaryOnServer;

/** `GET /api/contacts/:id` and the ticket detail's contact (src/web/views/contact-view.ts). */
export type Contact = ReturnType<typeof toContactView>;

/** `GET /api/tickets/:id` (src/web/views/ticket-detail-view.ts). */
export type TicketDetail = Awaited<ReturnType<typeof toTicketDetailView>>;

export type Attachment = MessageView['attachments'][number];

/** A message as the realtime events carry it, plus what the REST detail adds and the console's own marks. */
export type Message = MessageView & {
  html?: string | null;
  subject?: string | null;
  delivery?: { lastError: string | null };
  /** Console only: an optimistic copy not yet confirmed by the server. */
  pending?: 'sending' | 'failed';
  tempId?: string;
};

export interface AuditEvent {
  seq: number;
  type: string;
  actor: { type: string; id?: string; name?: string };
  data: Record<string, unknown>;
  at: string;
}

/** `GET /api/users` (src/web/views/user-view.ts). */
export type User = ReturnType<typeof toUserView>;
/** `GET /api/departments` (src/web/views/department-view.ts). */
export type Department = ReturnType<typeof toDepartmentView>;
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
  departmentId?: string | null;
  personal?: boolean;
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
