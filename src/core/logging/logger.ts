import pino, { type Logger } from 'pino';

export type { Logger };

/** Root logger; modules take `logger.child({ module })`. Secrets are redacted by path. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: ['password', '*.password', 'settings', '*.settings', 'secret', '*.secret', 'token', '*.token', 'req.headers.cookie'],
      censor: '[redacted]',
    },
  });
}
