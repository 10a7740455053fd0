import type { z } from 'zod';

/**
 * An HTTP operation served outside `/api` (by a channel's own router, e.g. the website chat's `/chat/api/*`)
 * that `/api/openapi.json` lists next to the API routes. The channel that serves it describes it with the
 * same zod schemas its router parses with; the web layer only renders the description (it may not import
 * channels, so the composition root hands it over).
 */
export interface DocumentedOperation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Absolute Express path, e.g. `/chat/api/attachments/:messageId/:index`. */
  path: string;
  operationId: string;
  summary: string;
  tag: string;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** How the body is sent (default JSON); a multipart body's schema names its parts. */
  bodyType?: 'application/json' | 'multipart/form-data';
  status: 200 | 201 | 202;
  /** The JSON success payload, or `file` for a download. */
  response: z.ZodType | 'file';
  /** `public`, or the cookie that identifies the caller (its scheme is listed in the document's components). */
  auth: 'public' | DocumentedCookieAuth;
  /** Set when the operation issues the cookie (`Set-Cookie`), e.g. the chat page's first load. */
  setsCookie?: DocumentedCookieAuth;
}

export interface DocumentedCookieAuth {
  /** The security scheme's name in the document (`visitorCookie`). */
  scheme: string;
  cookie: string;
  description: string;
}
