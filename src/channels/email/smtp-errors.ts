import { ChannelError } from '../../core/errors/app-error.js';
import { classifyNetworkError, errorMessage, isAuthFailure } from './connection-errors.js';

/**
 * nodemailer/SMTP failure → ChannelError. 4xx replies and connection problems are
 * temporary (retry with backoff); 5xx replies are permanent and carry the server's
 * own reason so the agent sees why (e.g. `550 5.1.1 User unknown`).
 */
interface SmtpErrorLike {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
}

export function mapSmtpError(err: unknown): ChannelError {
  if (err instanceof ChannelError) return err;
  const e = (err && typeof err === 'object' ? err : {}) as SmtpErrorLike;
  const reply = typeof e.response === 'string' && e.response.trim() ? e.response.trim() : undefined;
  const code = typeof e.responseCode === 'number' ? e.responseCode : reply ? Number(/^(\d{3})/.exec(reply)?.[1]) || undefined : undefined;

  if (code !== undefined && code >= 500 && code < 600) {
    const what = isAuthFailure(err) ? 'SMTP_AUTH_FAILED' : 'SMTP_REJECTED';
    return new ChannelError(what, reply ?? `${code} ${errorMessage(err)}`, false);
  }
  if (code !== undefined && code >= 400 && code < 500) {
    return new ChannelError('SMTP_TEMPORARY_FAILURE', reply ?? `${code} ${errorMessage(err)}`, true);
  }
  if (isAuthFailure(err)) return new ChannelError('SMTP_AUTH_FAILED', errorMessage(err), false);
  const net = classifyNetworkError(err);
  if (net) return new ChannelError(`SMTP_${net}`, errorMessage(err), true);
  if (e.code === 'ECONNECTION' || e.code === 'ESOCKET' || e.code === 'ETIMEDOUT' || e.code === 'EDNS') {
    return new ChannelError('SMTP_CONNECTION_FAILED', errorMessage(err), true);
  }
  if (e.code === 'EMESSAGE' || e.code === 'EENVELOPE') {
    return new ChannelError('SMTP_INVALID_MESSAGE', errorMessage(err), false);
  }
  // Unknown: let the retry policy have another go; it gives up after its limit.
  return new ChannelError('SMTP_FAILED', errorMessage(err), true);
}
