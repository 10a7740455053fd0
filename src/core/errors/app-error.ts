/**
 * One hierarchy of errors with stable codes. The web layer maps `status` to HTTP
 * in one place; nothing else decides status codes.
 */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details?: unknown;
  constructor(code: string, message: string, status = 500, details?: unknown) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.status = status;
    this.details = details;
  }
}

export interface FieldIssue {
  path: string;
  message: string;
}

export class ValidationError extends AppError {
  constructor(message: string, readonly issues: FieldIssue[] = []) {
    super('VALIDATION_FAILED', message, 400, { issues });
    this.name = 'ValidationError';
  }
}

export class NotFoundError extends AppError {
  constructor(what: string) {
    super('NOT_FOUND', `${what} not found`, 404);
    this.name = 'NotFoundError';
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Authentication required') {
    super('UNAUTHENTICATED', message, 401);
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed') {
    super('FORBIDDEN', message, 403);
  }
}

export class ConflictError extends AppError {
  constructor(code: string, message: string) {
    super(code, message, 409);
  }
}

export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    code = 'RATE_LIMITED',
    message = `Too many attempts; retry in ${retryAfterSeconds}s`,
  ) {
    super(code, message, 429);
  }
}

/** Adapters turn SDK errors into this; `retryable` drives the outbound retry policy. */
export class ChannelError extends AppError {
  readonly retryable: boolean;
  /** How long the platform asked us to wait before the next attempt (e.g. Telegram's `retry_after`). */
  readonly retryAfterMs?: number;
  constructor(code: string, message: string, retryable: boolean, retryAfterMs?: number) {
    super(code, message, 502);
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
