import { z } from 'zod';
import { AppError, RateLimitedError } from '../../core/errors/app-error.js';
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

const http = (status: number, code: string, message: string, details?: unknown, headers: Record<string, string> = {}): HttpError => ({
  status,
  body: { code, message, ...(details !== undefined ? { details } : {}) },
  headers,
  internal: false,
});

const HTTP_ERROR_CODES: Record<number, { code: string; message: string }> = {
  403: { code: 'FORBIDDEN', message: 'Not allowed' },
  404: { code: 'NOT_FOUND', message: 'Not found' },
  405: { code: 'METHOD_NOT_ALLOWED', message: 'Method not allowed' },
  416: { code: 'RANGE_NOT_SATISFIABLE', message: 'Range not satisfiable' },
};

/** The one place where errors become HTTP statuses and `{ error: { code, message, details? } }` bodies. */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof AppError) {
    const headers: Record<string, string> = err instanceof RateLimitedError ? { 'Retry-After': String(err.retryAfterSeconds) } : {};
    return http(err.status, err.code, err.message, err.details, headers);
  }
  if (err instanceof z.core.$ZodError) {
    return http(400, 'VALIDATION_FAILED', 'Invalid input', { issues: toFieldIssues(err.issues) });
  }
  const parser = (err ?? {}) as ParserError;
  switch (parser.type) {
    case 'entity.parse.failed':
      return http(400, 'MALFORMED_JSON', 'The request body is not valid JSON');
    case 'entity.too.large':
      return http(413, 'PAYLOAD_TOO_LARGE', 'The request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return http(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported body encoding or charset');
  }
  if (err instanceof URIError) return http(400, 'MALFORMED_URL', 'The request path is not valid percent-encoding');
  // http-errors raised by express' own layers (static files: `send` answers 404 for a missing asset, 403 for
  // a path that climbs out of its folder, 416 for a bad range): the client's request, never our bug.
  if (typeof parser.status === 'number' && parser.status >= 400 && parser.status < 500) {
    const known = HTTP_ERROR_CODES[parser.status];
    return http(parser.status, known?.code ?? 'BAD_REQUEST', known?.message ?? 'The request could not be read');
  }
  return { ...http(500, 'INTERNAL', 'Internal server error'), internal: true };
}
