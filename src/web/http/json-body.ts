import express, { type Request, type Response } from 'express';
import { AppError } from '../../core/errors/app-error.js';
import type { BodyLimit } from '../api/route.js';

const JSON_TYPES = ['application/json', 'application/*+json'];

/** 60 MB leaves room for base64 attachments up to the configured message total; 1 MB for everything else. */
const parsers: Record<BodyLimit, express.RequestHandler> = {
  standard: express.json({ limit: '1mb', type: JSON_TYPES, strict: true }),
  compose: express.json({ limit: '60mb', type: JSON_TYPES, strict: true }),
};

/**
 * Reads a JSON body for routes that declare one. Non-JSON bodies are refused
 * (415): a cross-site form post cannot send `application/json` without a preflight.
 * An empty body is no body: the route's schema says what is missing (400).
 */
export function readJsonBody(req: Request, res: Response, limit: BodyLimit): Promise<void> {
  const empty = req.get('content-length') === '0';
  if (!empty && req.is(JSON_TYPES) === false) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Send the request body as JSON (Content-Type: application/json)');
  }
  return new Promise((resolve, reject) => {
    parsers[limit](req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });
}
