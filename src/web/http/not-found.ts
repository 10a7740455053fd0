import type { RequestHandler } from 'express';
import { AppError } from '../../core/errors/app-error.js';

/** Anything no route answered: 404 NOT_FOUND in the JSON error shape. */
export const notFound: RequestHandler = (req, _res, next) => {
  next(new AppError('NOT_FOUND', `No route for ${req.method} ${req.originalUrl.split('?')[0]}`));
};
