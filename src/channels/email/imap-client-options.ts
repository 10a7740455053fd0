import { isIP } from 'node:net';
import type { ImapFlowOptions } from 'imapflow';
import type { ImapSettings } from './settings.js';

/** imapflow options for an inbox's IMAP settings; imapflow's own logging stays off. */
export function imapClientOptions(s: ImapSettings, timeoutMs: number): ImapFlowOptions {
  return {
    host: s.host,
    port: s.port,
    secure: s.secure,
    auth: { user: s.user, pass: s.password },
    tls: { rejectUnauthorized: s.tlsRejectUnauthorized, ...(isIP(s.host) ? {} : { servername: s.host }) },
    logger: false,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    clientInfo: { name: 'Ponte' },
  };
}
