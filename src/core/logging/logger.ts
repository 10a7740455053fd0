import type { Writable } from 'node:stream';
import pino, { type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

export interface LoggerSettings {
  /** Human-readable lines instead of JSON; default: when stdout is a terminal (people read it), JSON otherwise (machines do). */
  pretty?: boolean;
  /** Where lines go; default stdout. Tests pass a stream to read them. */
  destination?: Writable;
}

/** Root logger; modules take `logger.child({ module })`. Secrets are redacted by path. */
export function createLogger(level: string, settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level,
    redact: {
      paths: ['password', '*.password', 'settings', '*.settings', 'secret', '*.secret', 'token', '*.token', 'req.headers.cookie'],
      censor: '[redacted]',
    },
  };
  const human = settings.pretty ?? (settings.destination ? false : process.stdout.isTTY === true);
  if (human) {
    // In-process stream, not a pino transport: no worker thread to resolve from dist/, and lines are
    // written synchronously so the last ones before a crash or process.exit are not lost.
    const stream = pretty({
      colorize: settings.destination ? false : process.stdout.isTTY === true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      sync: true,
      ...(settings.destination ? { destination: settings.destination } : {}),
    });
    return pino(options, stream);
  }
  return settings.destination ? pino(options, settings.destination) : pino(options);
}
