import { isCallerFault, type ErrorCode } from './error-codes.js';

/**
 * One hierarchy of errors with stable codes from one catalogue (`error-codes.ts`). Core never picks an
 * HTTP status: `src/web/http/error-response.ts` maps the catalogue code to one, in one place.
 */
export class AppError extends Error {
  /** What the error means (the catalogue's code): decides the HTTP status. */
  readonly category: ErrorCode;
  /** The code clients see: the catalogue's, or a channel's own for the errors a platform raised. */
  readonly code: string;
  readonly details?: unknown;
  // `details` is an object so that a stray HTTP status as the third argument does not compile.
  constructor(category: ErrorCode, message: string, details?: object, shownCode?: string) {
    super(message);
    this.name = 'AppError';
    this.category = category;
    this.code = shownCode ?? category;
    this.details = details;
  }

  /** Whoever sent the request can fix or retry it (see the catalogue's `fault`). */
  get callerFault(): boolean {
    return isCallerFault(this.category);
  }
}

export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(message: string, readonly issues: FieldIssue[] = []) {
    super('VALIDATION_FAILED', message, { issues });
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`);
    this.name = 'NotFoundError';
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Authentication required') {
    super('UNAUTHENTICATED', message);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed') {
    super('FORBIDDEN', message);
  }
}

export class ConflictError extends AppError {
  constructor(code: ErrorCode, message: string) {
    super(code, message);
  }
}

export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    code: 'RATE_LIMITED' | 'CHAT_BUSY' = 'RATE_LIMITED',
    message = `Too many attempts; retry in ${retryAfterSeconds}s`,
  ) {
    super(code, message);
  }
}

/**
 * A channel refused, for good, something a user asked for (a call-back without the agent's phone): the
 * caller's to fix. Shows the channel's own code.
 */
export class ChannelRefusedError extends AppError {
  constructor(channelCode: string, message: string) {
    super('CHANNEL_REFUSED', message, undefined, channelCode);
    this.name = 'ChannelRefusedError';
  }
}

/**
 * Adapters turn SDK errors into this; `retryable` drives the outbound retry policy. `code` is the channel's
 * own (its platform's vocabulary); the catalogue code is `CHANNEL_FAILED`.
 */
export class ChannelError extends AppError {
  readonly retryable: boolean;
  /** How long the platform asked us to wait before the next attempt (e.g. Telegram's `retry_after`). */
  readonly retryAfterMs?: number;
  constructor(code: string, message: string, retryable: boolean, retryAfterMs?: number) {
    super('CHANNEL_FAILED', message, undefined, code);
    this.name = 'ChannelError';
    this.retryable = retryable;
    if (retryAfterMs !== undefined) this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The channel cannot send *yet* — its session runs in another hub process (`SESSION_ELSEWHERE`) or is
 * reconnecting (`NOT_READY`) — so the reply waits in line rather than failing: the delivery worker retries
 * it after `retryAfterMs` without counting the attempt against `OUTBOUND_MAX_ATTEMPTS` (up to a far larger
 * bound, `MAX_WAIT_ATTEMPTS` in delivery-worker.ts).
 */
export class ChannelWaitError extends ChannelError {
  constructor(code: string, message: string, retryAfterMs: number) {
    super(code, message, true, retryAfterMs);
    this.name = 'ChannelWaitError';
  }
}
