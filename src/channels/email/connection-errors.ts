/**
 * Sorts the errors of imapflow, nodemailer and Node's net/tls/dns layers into a
 * few causes a person can act on.
 */
export type ConnectionErrorCode =
  | 'AUTH_FAILED'
  | 'TLS_ERROR'
  | 'TIMEOUT'
  | 'CONNECTION_REFUSED'
  | 'HOST_NOT_FOUND'
  | 'MAILBOX_NOT_FOUND'
  | 'PROTOCOL_ERROR';

interface ErrorLike {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  responseCode?: unknown;
  response?: unknown;
  authenticationFailed?: unknown;
  serverResponseCode?: unknown;
  cause?: unknown;
}

const TLS_CODES = /^(ERR_SSL_|ERR_TLS_|EPROTO$|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(VERIFY|GET)_|ERR_SSL)/;
const TLS_MESSAGE = /(wrong version number|ssl routines|tls|certificate|self[- ]signed|handshake|unable to verify|packet length too long|unsupported protocol)/i;

function chain(err: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i += 1) {
    out.push(cur as ErrorLike);
    cur = (cur as ErrorLike).cause;
  }
  return out;
}

/** Network-level cause, if the error is one. */
export function classifyNetworkError(err: unknown): Exclude<ConnectionErrorCode, 'AUTH_FAILED' | 'MAILBOX_NOT_FOUND' | 'PROTOCOL_ERROR'> | undefined {
  for (const e of chain(err)) {
    const code = typeof e.code === 'string' ? e.code : '';
    const msg = typeof e.message === 'string' ? e.message : '';
    if (code === 'ECONNREFUSED' || /\bECONNREFUSED\b/.test(msg)) return 'CONNECTION_REFUSED';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME' || code === 'EDNS' || /\b(ENOTFOUND|EAI_AGAIN|EAI_NONAME)\b/.test(msg)) {
      return 'HOST_NOT_FOUND';
    }
    if (TLS_CODES.test(code) || (code !== 'ETIMEDOUT' && TLS_MESSAGE.test(msg) && !/timeout/i.test(msg))) return 'TLS_ERROR';
    if (
      code === 'ETIMEDOUT' ||
      code === 'CONNECT_TIMEOUT' ||
      code === 'GREETING_TIMEOUT' ||
      code === 'ESOCKETTIMEDOUT' ||
      /\b(timed? ?out|timeout)\b/i.test(msg) ||
      /greeting never received/i.test(msg)
    ) {
      return 'TIMEOUT';
    }
  }
  return undefined;
}

export function isAuthFailure(err: unknown): boolean {
  for (const e of chain(err)) {
    if (e.authenticationFailed === true) return true;
    if (e.code === 'EAUTH') return true;
    if (e.serverResponseCode === 'AUTHENTICATIONFAILED') return true;
  }
  return false;
}

export function errorMessage(err: unknown): string {
  if (err && typeof err === 'object') {
    const e = err as ErrorLike;
    const parts = [typeof e.message === 'string' ? e.message : String(err)];
    if (typeof e.response === 'string' && !parts[0]?.includes(e.response)) parts.push(e.response);
    return parts.join(': ').slice(0, 1000);
  }
  return String(err).slice(0, 1000);
}
