import express, { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { ChannelKind } from '../../core/domain/channel-kind.js';
import { ChannelKindSchema } from '../../core/domain/channel-kind.js';
import {
  WebhookPayloadError,
  type ChannelWebhook,
  type WebhookRequest,
  type WebhookResponse,
} from '../../core/domain/channel-webhook.js';
import type { InboundEventInput } from '../../core/domain/inbound-event.js';
import type { WebhookInboxes } from '../../core/inboxes/webhook-target.js';
import { AppError, ValidationError } from '../../core/errors/app-error.js';
import { requestLogger } from '../http/request-context.js';

export interface WebhookRouterOptions {
  inboxes: WebhookInboxes;
  /** `ingest.accept`: resolves once every event is stored (or found already stored). */
  accept(events: InboundEventInput[]): Promise<{ accepted: number; duplicates: number }>;
  webhooks: Partial<Record<ChannelKind, ChannelWebhook>>;
  maxBodyBytes: number;
  logger: Logger;
}

const send = (res: Response, r: WebhookResponse) => {
  res.status(r.status);
  if (r.contentType) res.type(r.contentType);
  res.send(r.body ?? '');
};

const plain = (res: Response, status: number, body: string) => send(res, { status, contentType: 'text/plain', body });

function lowerHeaders(req: Request): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/**
 * `/webhooks/<kind>/<inboxId>` for every channel: inbox → raw body → verify → parse → store → respond.
 * The rules every channel gets from here are in `core/domain/channel-webhook.ts`. Platforms read only the
 * status code, so answers are plain text; the reason for a refusal goes to the log.
 */
export function webhookRouter(opts: WebhookRouterOptions): Router {
  const router = Router();
  // Raw bytes for every content type: signatures are computed over exactly what was sent.
  const raw = express.raw({ type: () => true, limit: opts.maxBodyBytes });

  router.all('/:kind/:inboxId', async (req, res, next) => {
    const log = requestLogger(res, opts.logger).child({ module: 'webhooks', kind: req.params.kind, inboxId: req.params.inboxId });
    const kind = ChannelKindSchema.safeParse(req.params.kind);
    const webhook = kind.success ? opts.webhooks[kind.data] : undefined;
    if (!kind.success || !webhook) {
      log.info('webhook for a channel kind without a webhook');
      return plain(res, 404, 'unknown channel');
    }
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    if ((method !== 'GET' && method !== 'POST') || !webhook.methods.includes(method)) {
      log.info({ method: req.method }, 'webhook method the channel does not take');
      return plain(res, 405, 'method not allowed');
    }

    const target = await opts.inboxes.webhookTarget(req.params.inboxId!).catch((err: unknown) => err as Error);
    if (target instanceof Error) {
      if (target instanceof AppError && target.category === 'NOT_FOUND') {
        log.info('webhook for an unknown or disabled inbox');
        return plain(res, 404, 'unknown inbox');
      }
      return next(target);
    }
    if (target.kind !== kind.data) {
      log.warn({ inboxKind: target.kind }, 'webhook kind does not match the inbox');
      return plain(res, 404, 'unknown inbox');
    }

    raw(req, res, async (err?: unknown) => {
      if (err) {
        const tooLarge = (err as { type?: string }).type === 'entity.too.large';
        log.warn({ reason: tooLarge ? 'body over the limit' : (err as Error).message }, 'webhook body refused');
        return plain(res, tooLarge ? 413 : 400, tooLarge ? 'payload too large' : 'unreadable body');
      }
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const request: WebhookRequest = {
        method,
        inboxId: target.id,
        rawBody,
        headers: lowerHeaders(req),
        query: new URL(req.originalUrl, 'http://local').searchParams,
        publicUrl: target.publicBaseUrl + req.originalUrl,
        settings: target.settings,
      };
      let verified = false;
      try {
        verified = webhook.verify(request);
      } catch (verifyErr) {
        log.warn({ err: verifyErr }, 'webhook verification threw; treated as a bad signature');
      }
      if (!verified) {
        log.warn('webhook signature missing or wrong; nothing stored');
        return plain(res, 403, 'forbidden');
      }
      let parsed;
      try {
        parsed = webhook.parse(request);
      } catch (parseErr) {
        if (parseErr instanceof WebhookPayloadError) {
          log.warn({ reason: parseErr.message }, 'malformed webhook body; nothing stored');
          return plain(res, 400, 'malformed payload');
        }
        log.error({ err: parseErr }, 'webhook parser failed; nothing stored');
        return plain(res, 400, 'malformed payload');
      }
      if (parsed.kind === 'reply') return send(res, parsed.response);
      let stored: { accepted: number; duplicates: number };
      try {
        const result = parsed.events.length ? await opts.accept(parsed.events) : { accepted: 0, duplicates: 0 };
        stored = { accepted: result.accepted, duplicates: result.duplicates };
      } catch (storeErr) {
        if (storeErr instanceof ValidationError) {
          log.warn({ reason: storeErr.message }, 'webhook produced invalid events; nothing stored');
          return plain(res, 400, 'malformed payload');
        }
        // Not stored: a 5xx makes the platform retry later, which is what we want.
        log.error({ err: storeErr }, 'webhook events not stored; the platform will retry');
        return plain(res, 503, 'try again');
      }
      if (stored.duplicates) log.info({ duplicates: stored.duplicates }, 'webhook retry: already stored');
      try {
        return send(res, webhook.respond(stored, request));
      } catch (respondErr) {
        // Stored already: the platform's retry is acknowledged as a duplicate.
        log.error({ err: respondErr }, 'webhook response failed after storing');
        return plain(res, 500, 'stored; response failed');
      }
    });
  });
  return router;
}
