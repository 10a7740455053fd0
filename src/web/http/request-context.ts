import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { loggablePath } from './loggable-path.js';

const INCOMING_ID = /^[\w.:-]{1,64}$/;

/**
 * A request id per request (an upstream proxy's `X-Request-Id` is kept when it
 * looks sane), echoed in the response and bound to a pino child logger. The
 * access log line has method, path (no query string, no secret token: `loggable-path.ts`), status and
 * duration — never bodies.
 */
export function requestContext(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    const requestId = incoming && INCOMING_ID.test(incoming) ? incoming : randomUUID();
    const log = logger.child({ reqId: requestId });
    res.locals.requestId = requestId;
    res.locals.log = log;
    res.setHeader('X-Request-Id', requestId);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const path = loggablePath(req.originalUrl);
      log[path === '/api/health' ? 'debug' : 'info']({ method: req.method, path, status: res.statusCode, ms: Math.round(ms * 10) / 10 }, 'request');
    });
    next();
  };
}

export const requestLogger = (res: Response, fallback: Logger): Logger => (res.locals.log as Logger | undefined) ?? fallback;
