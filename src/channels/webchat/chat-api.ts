import { z } from 'zod';
import type { DocumentedCookieAuth, DocumentedOperation } from '../../core/domain/documented-operation.js';
import { VisitorMessageSchema, VisitorUploadFieldsSchema } from './mapper.js';
import { VISITOR_COOKIE } from './visitor-cookie.js';

/**
 * The website chat's HTTP API (`/chat/api/*`): the request schemas the router parses with and the payloads
 * it sends, described once here so `/api/openapi.json` lists them (test/integration/webchat/chat-api-document.test.ts
 * parses real answers with these schemas, so the description cannot drift from the router).
 */

const objectId = z.string().regex(/^[0-9a-f]{24}$/i);

export const InboxQuerySchema = z.object({ inbox: objectId.optional() });
export const AttachmentParamsSchema = z.object({ messageId: objectId, index: z.coerce.number().int().min(0).max(99) });
export const VisitorCsatSchema = z.object({
  inboxId: objectId.optional(),
  rating: z.number().int().min(1).max(5),
  comment: z.string().trim().max(2_000).optional().transform((c) => c || undefined),
});

/** src/core/conversations/customer-conversation.ts `CustomerMessage`: never notes, never system events. */
const CustomerMessageSchema = z.object({
  id: z.string(),
  direction: z.enum(['inbound', 'outbound']),
  text: z.string(),
  at: z.string(),
  deliveryStatus: z.string(),
  /** The agent who answered; null for the visitor's own messages and Ponte's. */
  authorName: z.string().nullable(),
  /** The visitor's `clientMessageId` on their own messages, to match the page's optimistic copy. */
  providerMessageId: z.string().nullable(),
  /** Fetched from `/chat/api/attachments/{messageId}/{index}`. */
  attachments: z.array(z.object({ index: z.number().int(), fileName: z.string(), mimeType: z.string(), size: z.number() })),
});

export const ChatSessionSchema = z.object({
  /** `title`/`greeting`: null where the admin kept the default (the page shows its own, in the visitor's language). */
  inbox: z.object({ id: z.string(), name: z.string(), title: z.string().nullable(), greeting: z.string().nullable() }),
  /** null until the visitor's first message. */
  ticket: z.object({ number: z.number().int(), status: z.string() }).nullable(),
  messages: z.array(CustomerMessageSchema),
  /** A rating question awaiting the visitor's answer (`rating` set once answered), else null. */
  csat: z.object({ ticketNumber: z.number().int(), rating: z.number().int().nullable() }).nullable(),
  /** What an upload may hold (MAX_ATTACHMENT_BYTES, MAX_MESSAGE_ATTACHMENTS_BYTES, files per message): the page refuses more at once. */
  limits: z.object({ maxFileBytes: z.number().int(), maxMessageBytes: z.number().int(), maxFiles: z.number().int() }),
});
/** `duplicate`: this `clientMessageId` was already received (a retried POST stores nothing new). */
export const ChatMessageAcceptedSchema = z.object({ status: z.enum(['accepted', 'duplicate']), clientMessageId: z.string() });
/** The header every upload carries: a cross-site page cannot add it without a CORS preflight, which is never granted. */
export const UPLOAD_HEADER = 'x-ponte-chat';

/**
 * The multipart/form-data body of an upload: the message fields (as `POST /chat/api/messages`, the text optional)
 * and one `file` part per file. Described here only; the router reads it with `visitor-upload.ts`.
 */
export const ChatUploadBodySchema = VisitorUploadFieldsSchema.extend({
  file: z.array(z.string().meta({ format: 'binary' })).min(1).meta({ description: 'One part per file (repeat the `file` part); at most 100, none empty' }),
});
/** The files as stored: names made safe, types read from the bytes. */
export const ChatUploadAcceptedSchema = ChatMessageAcceptedSchema.extend({
  attachments: z.array(z.object({ fileName: z.string(), mimeType: z.string(), size: z.number().int() })),
});
export const ChatCsatResultSchema = z.object({ ticketNumber: z.number().int(), rating: z.number().int() });

const visitorCookie: DocumentedCookieAuth = {
  scheme: 'visitorCookie',
  cookie: VISITOR_COOKIE,
  description: 'The signed, http-only visitor id the chat page receives from `GET /chat/api/session`; it is the visitor\'s only identity.',
};

export const webchatOperations: ReadonlyArray<DocumentedOperation> = [
  {
    method: 'get',
    path: '/chat/api/session',
    operationId: 'chatSession',
    tag: 'web chat',
    summary: "Open the chat: issues the visitor cookie on a first visit; the inbox's texts, the visitor's ticket and history",
    query: InboxQuerySchema,
    status: 200,
    response: ChatSessionSchema,
    auth: 'public',
    setsCookie: visitorCookie,
  },
  {
    method: 'post',
    path: '/chat/api/messages',
    operationId: 'chatSendMessage',
    tag: 'web chat',
    summary: 'A visitor message (JSON only; idempotent by clientMessageId); the first one starts a conversation (429 CHAT_BUSY when too many start at once)',
    body: VisitorMessageSchema,
    status: 202,
    response: ChatMessageAcceptedSchema,
    auth: visitorCookie,
  },
  {
    method: 'post',
    path: '/chat/api/attachments',
    operationId: 'chatUpload',
    tag: 'web chat',
    summary:
      'A visitor message with files (multipart/form-data; needs the `X-Ponte-Chat: upload` header; idempotent by clientMessageId, counted like messages). ' +
      '413 ATTACHMENT_TOO_LARGE (its `details` name the limits) for a file or the whole over MAX_ATTACHMENT_BYTES / MAX_MESSAGE_ATTACHMENTS_BYTES; ' +
      '400 for none, more than 100, an empty file or a stray part. File names are made safe and types read from the bytes.',
    query: InboxQuerySchema,
    body: ChatUploadBodySchema,
    bodyType: 'multipart/form-data',
    status: 202,
    response: ChatUploadAcceptedSchema,
    auth: visitorCookie,
  },
  {
    method: 'post',
    path: '/chat/api/csat',
    operationId: 'chatRate',
    tag: 'web chat',
    summary: "The visitor's rating (1–5, optional comment) of their solved ticket",
    body: VisitorCsatSchema,
    status: 200,
    response: ChatCsatResultSchema,
    auth: visitorCookie,
  },
  {
    method: 'get',
    path: '/chat/api/attachments/:messageId/:index',
    operationId: 'chatAttachment',
    tag: 'web chat',
    summary: "A file of a message of the visitor's own conversation (images inline, anything else as a download); 60 a minute per visitor (429)",
    params: AttachmentParamsSchema,
    query: InboxQuerySchema,
    status: 200,
    response: 'file',
    auth: visitorCookie,
  },
];
