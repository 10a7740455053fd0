import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { requestLogger } from './request-context.js';
import { toHttpError } from './error-response.js';

/** Last middleware: maps any error to the JSON error shape; unexpected ones are logged with the request id. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, _req, res, next) => {
    // A download that broke mid-stream cannot get a JSON body any more; let express close it.
    if (res.headersSent) return next(err);
    const mapped = toHttpError(err);
    const log = requestLogger(res, logger);
    if (mapped.internal) log.error({ err }, 'request failed');
    else if (mapped.status >= 500) log.warn({ code: mapped.body.code, msg: mapped.body.message }, 'request failed');
    res.set(mapped.headers).status(mapped.status).json({ error: mapped.body });
  };
}
