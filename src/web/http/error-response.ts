import { z } from 'zod';
import { AppError, RateLimitedError } from '../../core/errors/app-error.js';
import type { ErrorCode } from '../../core/errors/error-codes.js';
import { toFieldIssues } from './zod-issues.js';

export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export interface HttpError {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** Unexpected: log it with the stack, tell the client nothing more. */
  internal: boolean;
}

/** Errors raised by express' body parser carry a `type`. */
interface ParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

/**
 * The one mapping from the error catalogue (`src/core/errors/error-codes.ts`) to HTTP statuses. Typed over
 * every catalogue code, so a new code does not compile until it has its status here.
 */
export const httpStatusOf: Readonly<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  MALFORMED_URL: 400,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CSRF_ORIGIN_MISMATCH: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  EMAIL_TAKEN: 409,
  SELF_LOCKOUT: 409,
  NAME_TAKEN: 409,
  MACRO_EXISTS: 409,
  CSAT_SUPERSEDED: 409,
  CSAT_EXPIRED: 410,
  ACCOUNT_INACTIVE: 409,
  LAST_ADMIN: 409,
  DEPARTMENT_NOT_EMPTY: 409,
  MERGE_UNDONE: 409,
  SHORTCUT_TAKEN: 409,
  INBOX_HAS_TICKETS: 409,
  NOT_SUPPORTED: 409,
  CALL_NOT_SUPPORTED: 409,
  INBOX_DISABLED: 409,
  CANNOT_START_CONVERSATION: 409,
  CONVERSATION_OPEN: 409,
  CONTACT_OPTED_OUT: 409,
  CHANNEL_REFUSED: 409,
  TICKET_MERGED: 409,
  CLIENT_MESSAGE_ID_REUSED: 409,
  CLIENT_MESSAGE_ID_IN_USE: 409,
  TICKET_CLOSED: 409,
  CONTACT_MERGED: 409,
  NOT_RETRYABLE: 409,
  OUTSIDE_MESSAGING_WINDOW: 409,
  AUDIT_CONTENTION: 409,
  ATTACHMENT_TOO_LARGE: 413,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RANGE_NOT_SATISFIABLE: 416,
  RATE_LIMITED: 429,
  CHAT_BUSY: 429,
  CHANNEL_FAILED: 502,
  CONFIG_SECRET_REQUIRED: 500,
  INTERNAL: 500,
};

const http = (category: ErrorCode, message: string, details?: unknown, headers: Record<string, string> = {}, code: string = category): HttpError => ({
  status: httpStatusOf[category],
  body: { code, message, ...(details !== undefined ? { details } : {}) },
  headers,
  internal: false,
});

/** Client errors express' own layers raise by status (static files), as catalogue codes. */
const HTTP_ERROR_CODES: Record<number, { code: ErrorCode; message: string }> = {
  403: { code: 'FORBIDDEN', message: 'Not allowed' },
  404: { code: 'NOT_FOUND', message: 'Not found' },
  405: { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed' },
  416: { code: 'RANGE_NOT_SATISFIABLE', message: 'Range not satisfiable' },
};

/** The one place where errors become HTTP statuses and `{ error: { code, message, details? } }` bodies. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof AppError) {
    const headers: Record<string, string> = err instanceof RateLimitedError ? { 'Retry-After': String(err.retryAfterSeconds) } : {};
    return http(err.category, err.message, err.details, headers, err.code);
  }
  if (err instanceof z.core.$ZodError) {
    return http('VALIDATION_FAILED', 'Invalid input', { issues: toFieldIssues(err.issues) });
  }
  const parser = (err ?? {}) as ParserError;
  switch (parser.type) {
    case 'entity.parse.failed':
      return http('MALFORMED_JSON', 'The request body is not valid JSON');
    case 'entity.too.large':
      return http('PAYLOAD_TOO_LARGE', 'The request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return http('UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding or charset');
  }
  if (err instanceof URIError) return http('MALFORMED_URL', 'The request path is not valid percent-encoding');
  // http-errors raised by express' own layers (static files: `send` answers 404 for a missing asset, 403 for
  // a path that climbs out of its folder, 416 for a bad range): the client's request, never our bug.
  if (typeof parser.status === 'number' && parser.status >= 400 && parser.status < 500) {
    const known = HTTP_ERROR_CODES[parser.status];
    // An express status this catalogue has no code for keeps its own status (the client's request either way).
    if (!known) return { ...http('BAD_REQUEST', 'The request could not be read'), status: parser.status };
    return http(known.code, known.message);
  }
  return { ...http('INTERNAL', 'Internal server error'), internal: true };
}
