import type { RequestHandler } from 'express';
import { AppError } from '../../core/errors/app-error.js';

/**
 * A path whose percent-encoding does not decode (`/api/tickets/%E0%A4%A`) is the client's mistake:
 * 400 MALFORMED_URL here, before the router or the static files try to decode it and throw a URIError
 * that would otherwise surface as a 500 with a stack trace in the log.
 */
export const rejectMalformedUrl: RequestHandler = (req, _res, next) => {
  try {
    decodeURIComponent(req.path);
  } catch {
    next(new AppError('MALFORMED_URL', 'The request path is not valid percent-encoding'));
    return;
  }
  next();
};
